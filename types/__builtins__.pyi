# The globals fusd-host defines in every Python driver, for type checkers
# (pyright reads a __builtins__.pyi at the root of its stubPath). See fusd.pyi.
from fusd import *  # noqa: F401,F403
