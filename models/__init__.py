"""Z3 models of this protocol. Models only build expressions and obligations; they never call check()."""
