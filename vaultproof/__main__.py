from vaultproof.cli import main

raise SystemExit(main())
