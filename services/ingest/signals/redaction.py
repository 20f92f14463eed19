"""Personal data taken out of verbatims before they leave ingest: e-mail addresses, bank
account numbers (IBAN), card-like numbers, national identity numbers (a US social security
number, a UK National Insurance number, a French social security number, the NIR) and phone
numbers become placeholders, so no topic or table ever holds them. The controls that force
a text's direction go as well: an override (U+202E) shows whatever follows it reversed
wherever the text is read ("C'est top" as "pot tse'C"), which nobody types to say anything."""

from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers

from shared.events.values import without_direction_controls

EMAIL = "[email]"
IBAN = "[IBAN]"
CARD = "[card number]"
PHONE = "[phone]"
ID_NUMBER = "[ID number]"

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# 13 to 19 digits, single spaces or dashes between them: how card numbers are written.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# An IBAN as people write it: a country code, two check digits, then the account in groups
# of four (one space or dash between them, or none), the last group shorter. Each group after
# the first (a bank code may be letters) holds a digit, so a word after the IBAN is never
# taken for a group. Its shape, not its checksum: a customer's mistyped IBAN is theirs all
# the same. Before the cards: the digits inside an IBAN look like one, which left its country
# code and its tail in the text.
_IBAN = re.compile(
    r"""(?<![A-Za-z0-9])
    [A-Za-z]{2}\d{2}
    [ -]?[A-Za-z0-9]{4}
    (?:[ -]?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{4}){1,6}
    (?:[ -]?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{1,4})?
    (?![A-Za-z0-9])""",
    re.VERBOSE,
)
# A US social security number as written (3-2-4 digits, dashes or spaces), never with a
# 000, 666 or 9xx area, a 00 group or a 0000 serial; a UK National Insurance number (two
# letters of the allowed prefixes, three pairs of digits, a suffix A to D, spaces or not); a
# French NIR (sex, year, month, département with Corsica's 2A and 2B, commune, order, and
# its key or not), before the cards: its 13 or 15 digits would read as one.
_NATIONAL_ID = re.compile(
    r"""(?<![\w-])(?:
        (?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}
      | [12]\ ?\d{2}\ ?(?:0[1-9]|1[0-2]|[2-9]\d)\ ?(?:\d{2}|2[AB])\ ?\d{3}\ ?\d{3}(?:\ ?\d{2})?
      | (?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]
        \ ?\d{2}\ ?\d{2}\ ?\d{2}\ ?[A-D]
    )(?![\w-])""",
    re.VERBOSE | re.IGNORECASE,
)
_IBAN_DIGITS = 12  # with its check digits: an account number is mostly digits
_DIGITS = re.compile(r"\d")
_SHORTEST_PHONE = 7


class Redactor:
    """Redacts verbatims; phone numbers are recognised in the formats of ``regions`` (ISO
    3166 codes; the region of the answer's language tag is tried first) and in the
    international ``+`` format."""

    def __init__(self, regions: Sequence[str]) -> None:
        self.regions = tuple(region.upper() for region in regions)

    def redact(self, text: str, language: str | None = None) -> str:
        text = without_direction_controls(text)
        text = _EMAIL.sub(EMAIL, text)
        text = _IBAN.sub(_iban, text)
        text = _NATIONAL_ID.sub(ID_NUMBER, text)
        text = _CARD.sub(CARD, text)
        if len(_DIGITS.findall(text)) >= _SHORTEST_PHONE:
            for region in self._regions_for(language):
                text = _redact_phones(text, region)
        return text

    def _regions_for(self, language: str | None) -> tuple[str, ...]:
        region = language.rsplit("-", 1)[-1].upper() if language and "-" in language else None
        if region and len(region) == 2 and region not in self.regions:
            return (region, *self.regions)
        return self.regions


def _iban(match: re.Match[str]) -> str:
    found = match.group(0)
    return IBAN if len(_DIGITS.findall(found)) >= _IBAN_DIGITS else found


def _redact_phones(text: str, region: str) -> str:
    matches = list(
        phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    )
    for match in reversed(matches):  # from the end, so earlier offsets stay valid
        text = text[: match.start] + PHONE + text[match.end :]
    return text
