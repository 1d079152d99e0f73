"""Instrument files of scanning-probe microscopes, read through their PyPI readers: Nanosurf
``.nid`` (``NSFopen``) and Nanonis ``.sxm`` (``nanonispy2``). Each reader returns the chosen
channel as an image in V on a grid of pixel centres, with the pixel size and position from the
file's own header (m).

Image convention: row j lies at y0 + (j + 1/2) dy (y increasing), column i at x0 + (i + 1/2) dx;
a backward (retrace) image is mirrored back into the trace's x order.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.kpfm import KPFMError

# what the Nanosurf header calls its image frames, and the suffix pnp_ssb gives the channel
NID_FRAMES = {"Scan forward": "", "Scan backward": " [backward]",
              "2nd scan forward": " [2nd forward]", "2nd scan backward": " [2nd backward]"}
SXM_TYPES = {("FLOAT", "MSBFIRST"): "big endian float 32",
             ("FLOAT", "LSBFIRST"): "little endian float 32",
             ("DOUBLE", "MSBFIRST"): "big endian float 64",
             ("DOUBLE", "LSBFIRST"): "little endian float 64"}


@dataclass(frozen=True)
class SPMImage:
    """One channel of a scan: values (ny, nx) in V, pixel size and the x, y of the image's
    lower-left corner (m), and the instrument's scan rotation (deg, 0 if not recorded)."""

    image_V: np.ndarray
    pixel_x_m: float
    pixel_y_m: float
    x0_m: float
    y0_m: float
    name: str
    scan_angle_deg: float = 0.0


def choose_channel(names: list[str], channel: str | None, path: Path) -> str:
    """The channel called ``channel`` (exactly, else the one containing it, case-insensitive,
    the forward one of a channel also recorded backward); the only one when none is asked
    for."""
    if channel is None:
        if len(names) == 1:
            return names[0]
        raise KPFMError(f"--measured {path}: {len(names)} channels ({', '.join(names)}); "
                        "choose one with --channel NAME")
    if channel in names:
        return channel
    matches = [n for n in names if channel.lower() in n.lower()]
    if len(matches) > 1:  # "CPD" means the trace, not also "CPD [backward]"
        matches = [n for n in matches if not n.endswith("]")] or matches
    if len(matches) != 1:
        raise KPFMError(f"--channel {channel!r}: expected one of {', '.join(names)}")
    return matches[0]


def _check_units(path: Path, name: str, value_unit: str, length_units: tuple[str, ...]) -> None:
    """A CPD channel is in V and its axes in m: anything else is the wrong channel or file."""
    if value_unit.strip() != "V":
        raise KPFMError(f"--channel {name!r} of {path}: unit {value_unit!r}; expected a CPD "
                        "channel in V")
    for unit in length_units:
        if unit.strip() != "m":
            raise KPFMError(f"--measured {path}: axis unit {unit!r}; expected m")


def read_nid(path: Path, channel: str | None) -> SPMImage:
    """A Nanosurf .nid image channel (NSFopen's ``nid_read``): the values are already scaled to
    physical units by the reader (Dim2Min + Dim2Range (raw + 2^(b-1)) / 2^b for b-bit data);
    x from Dim0Min over Dim0Range in Points pixels, y from Dim1Min, Dim1Range and Lines."""
    from NSFopen.read import nid_read  # with pandas and h5py: loaded only for a .nid file

    try:
        nid = nid_read(str(path), dataframe=False)
    except (OSError, KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
        raise KPFMError(f"--measured {path}: not a readable Nanosurf .nid file "
                        f"({type(exc).__name__}: {exc})") from None
    header = nid.param["HeaderDump"]
    sections = {}  # channel name -> (frame, the header section of its data set)
    for section in header.values():
        frame = section.get("Frame")
        if frame in NID_FRAMES and "Dim2Name" in section:
            sections[section["Dim2Name"] + NID_FRAMES[frame]] = (frame, section)
    if not sections:
        raise KPFMError(f"--measured {path}: no image channels (frames {', '.join(NID_FRAMES)})")
    name = choose_channel(list(sections), channel, path)
    frame, section = sections[name]
    direction = {"Scan forward": "Forward", "Scan backward": "Backward",
                 "2nd scan forward": "2nd Forward", "2nd scan backward": "2nd Backward"}[frame]
    image = np.asarray(nid.data["Image"][direction][section["Dim2Name"]], dtype=float)
    _check_units(path, name, section.get("Dim2Unit", ""),
                 (section.get("Dim0Unit", ""), section.get("Dim1Unit", "")))
    if "backward" in frame:
        image = image[:, ::-1]  # a retrace is recorded right to left
    points, lines = int(section["Points"]), int(section["Lines"])
    return SPMImage(image, float(section["Dim0Range"]) / points,
                    float(section["Dim1Range"]) / lines, float(section["Dim0Min"]),
                    float(section["Dim1Min"]), name, _nid_rotation(header))


def _nid_rotation(header: dict) -> float:
    """The imaging parameter ScanRotation (``D[value]*[deg]``), 0 if absent."""
    value = header.get("DataSet\\Parameters\\Imaging", {}).get("ScanRotation", "")
    try:
        return float(value.split("[", 1)[1].split("]", 1)[0]) if value else 0.0
    except (IndexError, ValueError):
        return 0.0


def read_sxm(path: Path, channel: str | None) -> SPMImage:
    """A Nanonis .sxm image channel (nanonispy2's ``Scan``): SCAN_PIXELS (nx, ny), SCAN_RANGE
    (m), SCAN_OFFSET (the frame's centre, m), SCAN_ANGLE (deg), SCAN_DIR, and per channel the
    DATA_INFO row (Name, Unit, Direction). nanonispy2 reads scans with both directions of
    every channel (the instrument's default), which is checked here."""
    import nanonispy2  # the Nanonis reader: loaded only for a .sxm file

    data_format = _sxm_data_format(path)
    try:
        scan = nanonispy2.read.Scan(str(path), data_format=data_format)
    except (OSError, KeyError, ValueError, IndexError, nanonispy2.read.FileHeaderNotFoundError,
            nanonispy2.read.UnhandledFileError) as exc:
        raise KPFMError(f"--measured {path}: not a readable Nanonis .sxm file, or one with a "
                        f"channel recorded in one direction only ({type(exc).__name__}: {exc}); "
                        "expected both directions of every channel") from None
    head = scan.header
    info = head["data_info"]
    units = dict(zip(info["Name"], info["Unit"], strict=True))
    names: dict[str, tuple[str, str]] = {}
    for chan in scan.signals:
        names[chan] = (chan, "forward")
        names[f"{chan} [backward]"] = (chan, "backward")
    name = choose_channel(list(names), channel, path)
    chan, direction = names[name]
    _check_units(path, name, units.get(chan, ""), ())
    image = np.asarray(scan.signals[chan][direction], dtype=float)
    if direction == "backward":
        image = image[:, ::-1]  # a retrace is recorded right to left
    if str(head.get("scan_dir", "up")).strip().lower() == "down":
        image = image[::-1, :]  # the first line recorded is the top one
    (nx, ny), (wx, wy), (cx, cy) = head["scan_pixels"], head["scan_range"], head["scan_offset"]
    try:
        angle = float(head.get("scan_angle", 0.0))
    except ValueError:
        angle = 0.0
    return SPMImage(image, float(wx) / int(nx), float(wy) / int(ny), float(cx) - 0.5 * float(wx),
                    float(cy) - 0.5 * float(wy), name, angle)


def _sxm_data_format(path: Path) -> str:
    """nanonispy2 assumes big-endian float32: the header's SCANIT_TYPE says what it is."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16).decode("latin-1")
    lines = head.split("\n")
    for k, line in enumerate(lines[:-1]):
        if line.strip() == ":SCANIT_TYPE:":
            kind = tuple(lines[k + 1].split())
            if kind not in SXM_TYPES:
                raise KPFMError(f"--measured {path}: SCANIT_TYPE {' '.join(kind)!r}; expected "
                                f"one of {', '.join(' '.join(t) for t in SXM_TYPES)}")
            return SXM_TYPES[kind]  # type: ignore[index]
    raise KPFMError(f"--measured {path}: no SCANIT_TYPE in the header; expected a Nanonis .sxm "
                    "scan file")
