"""vaultproof: compile → analyse → prove → report → gate, for Solidity protocols.

The engine in this package is protocol-agnostic. A protocol brings its own content:
Solidity under ``contracts/``, Z3 models under ``models/`` and property declarations
(plus Slither detectors) under ``properties/``, wired together by ``vaultproof.toml``.
"""

__version__ = "0.1.0"
# Where the tool documents itself (SARIF informationUri). Placeholder until the repository is published.
__url__ = "https://github.com/vaultproof/vaultproof"
