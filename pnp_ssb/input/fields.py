"""The building blocks of the case schema: typed numbers with physical ranges, names, the
strict base model, and the one error type with its standard message."""

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import core_schema

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


@dataclass(frozen=True)
class PhysicalRange:
    """Field metadata: a value outside [ge, le] is refused as "expected <what> between ..."."""

    ge: float
    le: float
    what: str
    unit: str

    def expected(self) -> str:
        """The expectation, as it appears in error messages."""
        return f"{self.what} between {self.ge:g} {self.unit} and {self.le:g} {self.unit}"

    def _check(self, value: float) -> float:
        if not self.ge <= value <= self.le:
            raise ValueError(f"expected {self.expected()}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        out = handler(schema)
        out.update(minimum=self.ge, maximum=self.le)
        return out


LENGTH_RANGE = PhysicalRange(1e-11, 1.0, "a length", "m")  # a tenth of an angstrom to a metre
CELL_RANGE = PhysicalRange(1e-13, 1.0, "a cell size", "m")
TEMPERATURE_RANGE = PhysicalRange(1.0, 4000.0, "a temperature", "K")  # solids melt below 4000 K
ADVISORY_TEMPERATURE_K = (150.0, 1500.0)  # outside: warned (material data rarely reach there)
FREQUENCY_RANGE = PhysicalRange(1e-6, 1e12, "a frequency", "Hz")
ADVISORY_MAX_FREQUENCIES = 200  # more: warned (each frequency is one complex linear solve)
Length = Annotated[float, Field(gt=0, allow_inf_nan=False), LENGTH_RANGE]
CellSize = Annotated[float, Field(gt=0, allow_inf_nan=False), CELL_RANGE]
Temperature = Annotated[float, Field(gt=0, allow_inf_nan=False), TEMPERATURE_RANGE]
Frequency = Annotated[float, Field(gt=0, allow_inf_nan=False), FREQUENCY_RANGE]
ERROR_TOLERANCE_RANGE = PhysicalRange(1e-10, 1.0, "a potential tolerance", "V")
ErrorTolerance = Annotated[float, Field(gt=0, allow_inf_nan=False), ERROR_TOLERANCE_RANGE]


class CaseError(ValueError):
    """A case that cannot be run; the message names the field path, the value and the expectation."""


def field_error(path: str, value: Any, expected: str) -> CaseError:
    """Build the standard one-line message: ``path = value: expected ...``."""
    return CaseError(f"{path} = {value!r}: expected {expected}")


class StrictModel(BaseModel):
    """A frozen schema section that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def with_article(word: str) -> str:
    """'a metal', 'an insertion_electrode': the indefinite article for a word in a message."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
