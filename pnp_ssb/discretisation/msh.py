"""The physical groups of a gmsh .msh file, read without gmsh (for case validation).

Both the MSH 2 and MSH 4 formats, ASCII or binary, start with an ASCII $PhysicalNames section:
``dim tag "name"`` per line.
"""

import shlex
from pathlib import Path


def physical_groups(path: str | Path) -> dict[str, int]:
    """{name: dimension} of every named physical group of a .msh file.

    Raises:
        ValueError: the file is not a gmsh mesh or has no named physical groups.
    """
    path = Path(path)
    groups: dict[str, int] = {}
    with open(path, "rb") as fh:
        head = fh.readline()
        if not head.startswith(b"$MeshFormat"):
            raise ValueError(f"{path} is not a gmsh .msh file (no $MeshFormat header)")
        for raw in fh:
            line = raw.strip()
            if line == b"$PhysicalNames":
                count = int(fh.readline())
                for _ in range(count):
                    dim, _tag, name = shlex.split(fh.readline().decode("utf-8", "replace"))
                    groups[name] = int(dim)
                break
            if line in (b"$Nodes", b"$Elements", b"$Entities"):
                break
    if not groups:
        raise ValueError(f"{path} has no named physical groups (name every region, and the "
                         "boundaries 'left' and 'right', in gmsh)")
    return groups
