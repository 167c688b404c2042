"""Per-format parsers. Importing this package registers every parser in ``mktlib.data.parse.PARSERS``.

One module per source family; each parser is a small function decorated with
``@register("name")`` that the catalog refers to by that name.
"""

from importlib import import_module
from pathlib import Path

for _mod in sorted(p.stem for p in Path(__file__).parent.glob("*.py") if p.stem != "__init__"):
    import_module(f"{__name__}.{_mod}")
