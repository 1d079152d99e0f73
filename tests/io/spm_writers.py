"""Minimal instrument files for the reader round trips. Neither NSFopen nor nanonispy2 has a
writer, and neither ships a sample file, so these write the smallest file their readers parse:
a text header that follows the instrument's layout, then the binary block."""

from pathlib import Path

import numpy as np


def write_nid(path: Path, channels: dict[str, tuple[np.ndarray, str]], pixel_m: float,
              x0_m: float, y0_m: float, backward: str | None = None) -> None:
    """A Nanosurf .nid: INI-style sections ([DataSet] lists the groups and their data sets,
    one section per data set with Frame, Points, Lines, SaveBits, Dim0..2 Min/Range/Unit and
    Dim2Name), lines joined by CRLF, then 32-bit integers at the end of the file, scaled as
    value = Dim2Min + Dim2Range (raw + 2^31) / 2^32 (what NSFopen's nid_read undoes).
    ``backward`` names a channel also written as a retrace (mirrored in x)."""
    frames = [("Scan forward", name, image, unit) for name, (image, unit) in channels.items()]
    if backward is not None:
        image, unit = channels[backward]
        frames.append(("Scan backward", backward, image[:, ::-1], unit))
    groups: dict[str, list[str]] = {}
    sections, blocks = [], []
    for k, (frame, name, image, unit) in enumerate(frames):
        lines, points = image.shape
        key = f"DataSet-{k}:1"
        groups.setdefault(frame, []).append(key)
        lo, span = float(image.min()), float(np.ptp(image)) or 1.0
        sections.append([f"[{key}]", f"Frame={frame}", f"Points={points}", f"Lines={lines}",
                         "SaveBits=32", f"Dim0Min={float(x0_m)!r}", f"Dim0Range={float(points * pixel_m)!r}",
                         "Dim0Unit=m", f"Dim1Min={float(y0_m)!r}", f"Dim1Range={float(lines * pixel_m)!r}",
                         "Dim1Unit=m", f"Dim2Min={lo!r}", f"Dim2Range={span!r}",
                         f"Dim2Unit={unit}", f"Dim2Name={name}"])
        raw = np.rint((image - lo) / span * 2.0**32 - 2.0**31)
        blocks.append(np.clip(raw, -(2**31), 2**31 - 1).astype("<i4").tobytes())
    dataset = ["[DataSet]", "Version=2", f"GroupCount={len(groups)}"]
    for g, (frame, keys) in enumerate(groups.items()):
        dataset += [f"Gr{g}-Name={frame}", f"Gr{g}-Count={len(keys)}"]
        dataset += [f"Gr{g}-Ch{c}={key}" for c, key in enumerate(keys)]
    info = ["[DataSet-Info]", "-- Settings --=", "Operating mode=KPFM"]
    text = "\r\n\r\n".join("\r\n".join(s) for s in [dataset, *sections, info])
    # NSFopen ends the header at the first two blank lines; the data are read from the end
    path.write_bytes(text.encode("latin-1") + b"\r\n\r\n\r\n#!" + b"".join(blocks))


def write_sxm(path: Path, channels: dict[str, tuple[np.ndarray, str]], pixel_m: float,
              x0_m: float, y0_m: float, scan_dir: str = "up") -> None:
    """A Nanonis .sxm: ':KEY:' lines each followed by its value, DATA_INFO a tab table
    (Channel, Name, Unit, Direction, Calibration, Offset), then ':SCANIT_END:', the bytes
    0x1A 0x04 and, per channel, the forward and the backward image as big-endian float32 (the
    backward one as recorded, right to left; the first line the bottom one for 'up')."""
    ny, nx = next(iter(channels.values()))[0].shape
    wx, wy = nx * pixel_m, ny * pixel_m
    head = [":NANONIS_VERSION:", "2", ":SCANIT_TYPE:", "              FLOAT            MSBFIRST",
            ":REC_DATE:", "02.12.2026", ":REC_TIME:", "08:00:00", ":ACQ_TIME:", "100.0",
            ":SCAN_PIXELS:", f"{nx:>12d}{ny:>12d}", ":SCAN_TIME:", "1.0E+0 1.0E+0",
            ":SCAN_RANGE:", f"{wx:.9E} {wy:.9E}",
            ":SCAN_OFFSET:", f"{x0_m + wx / 2:.9E} {y0_m + wy / 2:.9E}",
            ":SCAN_ANGLE:", "0.000E+0", ":SCAN_DIR:", scan_dir, ":BIAS:", "0.0E+0",
            ":DATA_INFO:", "\tChannel\tName\tUnit\tDirection\tCalibration\tOffset"]
    head += [f"\t{k}\t{name}\t{unit}\tboth\t1.000E+0\t0.000E+0"
             for k, (name, (_, unit)) in enumerate(channels.items())]
    data = []
    for image, _ in channels.values():
        stored = image if scan_dir == "up" else image[::-1, :]
        data += [stored, stored[:, ::-1]]
    blob = np.stack(data).astype(">f4").tobytes()
    path.write_bytes(("\n".join(head) + "\n\n:SCANIT_END:\n\n\n").encode("latin-1")
                     + b"\x1a\x04" + blob)
