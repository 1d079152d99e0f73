"""Synthetic potentiostat exports of a known Randles spectrum, one writer per format, laid out as
the instruments write them (headers, column order, separators, sign of Im Z, Ohm)."""

from collections.abc import Callable
from pathlib import Path

import numpy as np

R_S, R_CT, C_DL = 12.0, 150.0, 2e-6  # Ohm, Ohm, F: the arc's apex at 530 Hz
AREA_CM2 = 0.5
F_HZ = np.logspace(6, -1, 71)


def randles(f_Hz: np.ndarray = F_HZ) -> np.ndarray:
    """Z = R_s + R_ct / (1 + i w R_ct C) in Ohm."""
    return R_S + R_CT / (1 + 1j * 2 * np.pi * f_Hz * R_CT * C_DL)


def _rows(fmt: str, sep: str, columns: Callable[[int, float, complex], list]) -> str:
    return "".join(sep.join(fmt % v for v in columns(k, f, z)) + "\n"
                   for k, (f, z) in enumerate(zip(F_HZ, randles(), strict=True)))


def gamry(path: Path) -> Path:
    """Gamry Framework .DTA: an EXPLAIN header, then the ZCURVE table (Zimag = Im Z)."""
    head = ("EXPLAIN\nTAG\tEISPOT\nTITLE\tLABEL\tPotentiostatic EIS\tTest &Identifier\n"
            "AREA\tQUANT\t5.00000E-001\t&Area (cm^2)\n"
            "OCVCURVE\tTABLE\t2\n\tPt\tT\tVf\n\t#\ts\tV vs. Ref.\n\t0\t0.25\t-3.4E-001\n"
            "\t1\t0.50\t-3.4E-001\n"
            f"ZCURVE\tTABLE\t{F_HZ.size}\n"
            "\tPt\tTime\tFreq\tZreal\tZimag\tZsig\tZmod\tZphz\tIdc\tVdc\tIERange\n"
            "\t#\ts\tHz\tohm\tohm\tV\tohm\t\u00b0\tA\tV\t#\n")
    body = _rows("%.7g", "\t", lambda k, f, z: [k, k + 1, f, z.real, z.imag, 1, abs(z),
                                                 np.degrees(np.angle(z)), 1e-6, -0.34, 7])
    path.write_text(head + "".join("\t" + ln for ln in body.splitlines(True)),
                    encoding="latin-1")
    return path


def biologic(path: Path) -> Path:
    """EC-Lab .mpt text export: 'Nb header lines', tab-separated, -Im(Z) in Ohm."""
    head = ["EC-Lab ASCII FILE", "Nb header lines : 7                          ", "",
            "Potentio Electrochemical Impedance Spectroscopy", "",
            "Electrode surface area : 0.500 cm\u00b2",
            "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\tPhase(Z)/deg\ttime/s\tcycle number\t"]
    body = _rows("%.7E", "\t", lambda k, f, z: [f, z.real, -z.imag, abs(z),
                                                 np.degrees(np.angle(z)), k, 1.0])
    path.write_text("\n".join(head) + "\n" + body.replace("\n", "\t\n"), encoding="latin-1")
    return path


def zplot(path: Path) -> Path:
    """Scribner ZPlot .z: a header ending 'End Comments:', then comma-separated rows with Z'
    and Z'' (= Im Z) in columns 5 and 6."""
    head = ("ZPlot2 ASCII\nCALIBRATION\n0\nEnd Header:\nComments:\nsynthetic Randles cell\n"
            "End Comments:\n")
    body = _rows("%.6E", ", ", lambda k, f, z: [f, 0.01, 0.0, float(k), z.real, z.imag,
                                                 0.0, 0.0, 3.0])
    path.write_text(head + body, encoding="utf-8")
    return path


def autolab(path: Path) -> Path:
    """Autolab NOVA comma-separated export with Z' and Z'' (= Im Z) in columns 5 and 6."""
    head = "Freq (Hz),Ampl,Bias,Time (s),Z' (Ohm),Z'' (Ohm),GD,Err,Range\n"
    body = _rows("%.7g", ",", lambda k, f, z: [f, 0.01, 0.0, float(k), z.real, z.imag, 0, 0, 3])
    path.write_text(head + body, encoding="utf-8")
    return path


def parstat(path: Path) -> Path:
    """Parstat text export: one header line, f, Z', Z'' in columns 4-6."""
    head = "Segment#\tPoint#\tE(V)\tFreq(Hz)\tZ'(Ohm)\tZ''(Ohm)\t|Z|(Ohm)\n"
    body = _rows("%.7g", "\t", lambda k, f, z: [1, k, 0.0, f, z.real, z.imag, abs(z)])
    path.write_text(head + body, encoding="utf-8")
    return path


def versastudio(path: Path) -> Path:
    """VersaStudio .par: XML-like blocks; the data of <Segment1>, f in column 10, Z in 15-16."""
    definition = ("Segment #, Point #, E(V), I(A), Elapsed Time(s), ADC Sync Input(V), Current "
                  "Range, Status, E Applied(V), Frequency(Hz), E Real, E Imag, I Real, I Imag, "
                  "Z Real, Z Imag, ActionId, AC Amplitude, 0")
    head = ("<Application>\nName=VersaStudio\n</Application>\n\n<Action0>\nSegments=0\n"
            "Name=Common\n</Action0>\n\n<Action1>\nSegments=1\nName=Potentiostatic EIS\n"
            f"</Action1>\n\n<Segment1>\nType=2\nVersion=3\nDefinition={definition}\n")
    body = _rows("%.7g", ",", lambda k, f, z: [0, k, 0, 0, float(k), 0, 5, 53, 0, f, 0, 0, 0,
                                                0, z.real, z.imag, 21, 0.02])
    path.write_text(head + body + "</Segment1>\n", encoding="utf-8")
    return path


def powersuite(path: Path) -> Path:
    """PowerSuite text export: one header line, then f, Z', Z'' tab-separated."""
    body = _rows("%.7g", "\t", lambda k, f, z: [f, z.real, z.imag])
    path.write_text("Frequency (Hz)\tZ' (Ohm)\tZ'' (Ohm)\n" + body, encoding="utf-8")
    return path


def chinstruments(path: Path) -> Path:
    """CH Instruments text export: a header, 'Freq/Hz, Z'/ohm, ...', a blank line, rows."""
    head = ("Dec. 2, 2026   08:00:00\nA.C. Impedance\nFile: synthetic.bin\n\n"
            "Freq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg\n\n")
    body = _rows("%.7e", ", ", lambda k, f, z: [f, z.real, z.imag, abs(z),
                                                 np.degrees(np.angle(z))])
    path.write_text(head + body, encoding="utf-8")
    return path


def named_csv(path: Path) -> Path:
    """A CSV with named columns, in kHz and kOhm, -Z'' written as such."""
    body = _rows("%.9g", ",", lambda k, f, z: [f / 1e3, z.real / 1e3, -z.imag / 1e3])
    path.write_text("Frequency (kHz),Z' (kOhm),-Z'' (kOhm)\n" + body, encoding="utf-8")
    return path


def per_area_csv(path: Path) -> Path:
    """A CSV already per area (Ohm cm^2), semicolons and decimal commas, Im Z unsigned but
    positive (detected as -Im Z)."""
    body = _rows("%.9g", ";", lambda k, f, z: [f, z.real * AREA_CM2, -z.imag * AREA_CM2])
    path.write_text("freq/Hz;Re Z (Ohm cm^2);Im Z (Ohm cm^2)\n" + body.replace(".", ","),
                    encoding="utf-8")
    return path


def plain_csv(path: Path) -> Path:
    """impedance.py's plain CSV: no header, f, Re Z, Im Z (Ohm)."""
    path.write_text(_rows("%.9g", ",", lambda k, f, z: [f, z.real, z.imag]), encoding="utf-8")
    return path


# name: (writer, file name, --format for the CLI (None: auto), whether --area-cm2 is needed)
EXPORTS: dict[str, tuple[Callable[[Path], Path], str, str | None, bool]] = {
    "gamry": (gamry, "cell.DTA", None, True),
    "biologic": (biologic, "cell.mpt", None, True),
    "zplot": (zplot, "cell.z", None, True),
    "autolab": (autolab, "cell.txt", "autolab", True),
    "parstat": (parstat, "cell.txt", "parstat", True),
    "versastudio": (versastudio, "cell.par", None, True),
    "powersuite": (powersuite, "cell.txt", "powersuite", True),
    "chinstruments": (chinstruments, "cell.txt", None, True),
    "named_csv": (named_csv, "cell.csv", None, True),
    "per_area_csv": (per_area_csv, "cell.csv", "csv", False),
    "plain_csv": (plain_csv, "cell.csv", None, True),
}
