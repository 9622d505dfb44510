"""reform-facts: numeric claims from Chinese health-reform documents."""
from pathlib import Path

__version__ = "0.1.0"

# The repository root: rules/, corpus/, gold/ and the local model folder live here.
ROOT = Path(__file__).resolve().parent.parent
