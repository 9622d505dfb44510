"""The canonical indicator list (rules/indicators_canonical.yaml) and the rule that maps a
claim's raw indicator phrase to a canonical code.

The rule, stated once here and in the YAML file's header: normalise (NFKC, traditional characters
as simplified, no white space, no punctuation at either edge); an alias equal to the phrase wins; else a bare phrase equal to it
(a kind of institution, a short noun) takes the code its figure's unit names; else the phrase read
without its qualifiers (全市, 年末, 实有, a trailing 数, a bracketed part: the catalogue's
`qualifiers`) and with each variant word as its group's first (病人 as 患者) equal to an alias so
read; else the longest alias contained in the phrase, the one ending later between equals; else,
as a fallback, the same steps over the phrase and the aliases read without their qualifiers; else
no code.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from reform_facts import paths
from reform_facts.errors import RuleFileError
from reform_facts.rulebook import (
    MIN_ALIAS_CHARS,
    CanonicalFile,
    Indicator,
    Qualifiers,
    normalise,
)

CANONICAL_FILE = paths.RULES_DIR / "indicators_canonical.yaml"


@dataclass(frozen=True)
class IndicatorMap:
    """The canonical indicators and the phrase -> code rule over their aliases."""

    indicators: tuple[Indicator, ...]
    by_alias: dict[str, str]  # normalised alias (and name) -> code
    by_bare: dict[str, dict[str, str]] = field(default_factory=dict)  # normalised phrase -> unit -> code
    qualifiers: Qualifiers = field(default_factory=Qualifiers)
    by_stem: dict[str, str] = field(default_factory=dict)  # aliases, bare of qualifiers too -> code

    @property
    def digest(self) -> str:
        """A digest of the mapping rule's data beyond the indicators table (the bare phrases, the
        qualifiers): the warehouse recodes its claims when it changes."""
        rows = sorted((phrase, sorted(units.items())) for phrase, units in self.by_bare.items())
        if self.qualifiers != Qualifiers():  # a catalogue without qualifiers keeps its old digest
            rows.append(("qualifiers", self.qualifiers.model_dump(exclude={"examples"})))
        return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()

    def code_for(self, phrase: str | None, unit: str | None = None) -> str | None:
        """The canonical code of an indicator phrase (with its figure's unit), or None.

        >>> canonical = load_canonical()
        >>> canonical.code_for("公立医院医疗服务收入占比")
        'med_service_revenue_share'
        >>> canonical.code_for("基层住院中医药报销比例")  # only the generic alias is contained
        'reimbursement_rate'
        >>> canonical.code_for("城镇职工参保患者住院实际报销比例")  # the longer alias wins
        'employee_inpatient_reimbursement_rate'
        >>> canonical.code_for("医疗卫生机构") is None  # a bare kind of institution, no unit
        True
        >>> canonical.code_for("医疗卫生机构", "个"), canonical.code_for("醫院", "张")
        ('health_institutions', 'beds')
        >>> canonical.code_for("医院", "%") is None  # a share of beds, visits or staff: unknown
        True
        >>> canonical.code_for("全市年末实有医院", "张")  # the fallback: without its qualifiers
        'beds'
        >>> canonical.code_for("职工基本医疗保险住院费用实际报销比例")  # read so, an alias: before 报销比例
        'employee_inpatient_reimbursement_rate'
        >>> canonical.code_for("门诊部、", "所")  # a list's item cut with its enumeration comma
        'health_institutions'
        """
        # punctuation at a phrase's edge is where an extractor cut a list or a label (门诊部、
        # 诊所、…; 其中：), never part of the measure's name
        text = normalise(phrase).strip(_EDGE_PUNCTUATION) if phrase else ""
        if not text:
            return None
        if text in self.by_alias or text in self.by_bare or not self.by_stem:
            return self._literal(text, unit, self.by_alias)
        # the phrase read without its qualifiers and variants equal to an alias so read names its
        # measure more closely than a shorter alias merely contained in it: 职工基本医疗保险住院费用
        # 实际报销比例 is the employee scheme's rate, not the generic 报销比例
        stem = strip_qualifiers(text, self.qualifiers)
        if stem != text and stem in self.by_stem:
            return self.by_stem[stem]
        code = self._literal(text, unit, self.by_alias)
        if code is None:
            code = self._literal(stem, unit, self.by_stem)
        return code

    def _literal(self, text: str, unit: str | None, aliases: dict[str, str]) -> str | None:
        """Steps 2-4 of the rule: an equal alias, a bare phrase with its unit, the longest alias
        contained (the one ending later between equals)."""
        if text in aliases:
            return aliases[text]
        if text in self.by_bare:
            return self.by_bare[text].get(unit) if unit else None
        best: tuple[int, int] | None = None
        code = None
        for alias, alias_code in aliases.items():
            at = text.rfind(alias)
            if at < 0:
                continue
            rank = (len(alias), at + len(alias))
            if best is None or rank > best:
                best, code = rank, alias_code
        return code


def strip_qualifiers(text: str, qualifiers: Qualifiers) -> str:
    """A normalised phrase without its bracketed parts, qualifier words and trailing count word,
    its variant words read as their group's first.

    >>> strip_qualifiers("全市年末实有床位数(张)", Qualifiers(words=["全市", "年末", "实有"],
    ...                  trailing=["数", "数量"], brackets=True))
    '床位'
    >>> strip_qualifiers("住院病人次均医药费用", Qualifiers(variants=[["患者", "病人"], ["费用", "医药费用"]]))
    '住院患者次均费用'
    """
    if qualifiers.brackets:
        text = _BRACKETED.sub("", text)
    for first, variant in _variants(qualifiers):
        text = text.replace(variant, first)
    for word in sorted(qualifiers.words, key=len, reverse=True):
        text = text.replace(word, "")
    for word in sorted(qualifiers.trailing, key=len, reverse=True):
        if text.endswith(word) and len(text) > len(word):
            return text[: -len(word)]
    return text


def _variants(qualifiers: Qualifiers) -> list[tuple[str, str]]:
    """(word, variant) pairs, the longest variant first: 医药费用 is read before a shorter 费用 could."""
    pairs = [(group[0], variant) for group in qualifiers.variants for variant in group[1:]]
    return sorted(pairs, key=lambda pair: len(pair[1]), reverse=True)


_EDGE_PUNCTUATION = "、,;:。.!?"  # as normalised: NFKC has made ，；：！？ half-width
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")


def load_canonical(path: Path = CANONICAL_FILE) -> IndicatorMap:
    """Read and validate the canonical list; errors name the file and the indicator."""
    return _load(path.resolve())


@cache
def _load(path: Path) -> IndicatorMap:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parsed = CanonicalFile.model_validate(data)
    except OSError as error:
        raise RuleFileError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise RuleFileError(f"{path}: not valid YAML: {error}") from error
    except ValidationError as error:
        first = error.errors()[0]
        place = _place(data, first["loc"])
        raise RuleFileError(f"{path}: {place}: {first['msg']}") from error
    by_alias: dict[str, str] = {}
    codes: set[str] = set()
    for indicator in parsed.indicators:
        if indicator.code in codes:
            raise RuleFileError(f"{path}: {indicator.code}: code used twice")
        codes.add(indicator.code)
        for alias in dict.fromkeys(map(normalise, [indicator.name, *indicator.aliases])):
            if by_alias.setdefault(alias, indicator.code) != indicator.code:
                raise RuleFileError(f"{path}: {indicator.code}: alias {alias!r} also belongs to "
                                    f"{by_alias[alias]}")
    by_bare = _bare(path, parsed, codes, by_alias)
    canonical = IndicatorMap(tuple(parsed.indicators), by_alias, by_bare, parsed.qualifiers,
                             _stems(parsed.qualifiers, by_alias, by_bare))
    for indicator in parsed.indicators:
        for example in indicator.examples:
            found = canonical.code_for(example)
            if found != indicator.code:
                raise RuleFileError(f"{path}: {indicator.code}: example {example!r} maps to {found}")
    for number, group in enumerate(parsed.bare_phrases):
        for example, unit in group.examples:
            found = canonical.code_for(example, unit)
            if found is None or found != group.units.get(unit):
                raise RuleFileError(f"{path}: bare_phrases.{number}: example {example!r} with unit "
                                    f"{unit!r} maps to {found}")
    for example, code in parsed.qualifiers.examples:
        if code not in codes:
            raise RuleFileError(f"{path}: qualifiers: unknown code {code!r}")
        if (found := canonical.code_for(example)) != code:
            raise RuleFileError(f"{path}: qualifiers: example {example!r} maps to {found}")
    return canonical


def _stems(qualifiers: Qualifiers, by_alias: dict[str, str],
           by_bare: dict[str, dict[str, str]]) -> dict[str, str]:
    """The fallback's aliases: every alias, and each alias without its qualifiers where that form
    is still specific: at least MIN_ALIAS_CHARS long, no bare phrase (医疗卫生机构数 without 数 is
    the kind of institution, which names no measure alone), and of one code only (a qualifier
    that tells two codes apart, 平均 in 平均住院费用, is no qualifier there: the form is dropped)."""
    if qualifiers == Qualifiers():
        return {}
    stems: dict[str, str] = {}
    ambiguous: set[str] = set()
    for alias, code in by_alias.items():
        stem = strip_qualifiers(alias, qualifiers)
        if stem == alias or stem in by_alias or stem in by_bare or len(stem) < MIN_ALIAS_CHARS:
            continue
        if stems.setdefault(stem, code) != code:
            ambiguous.add(stem)
    for stem in ambiguous:
        del stems[stem]
    return {**by_alias, **stems}


def _bare(path: Path, parsed: CanonicalFile, codes: set[str],
          by_alias: dict[str, str]) -> dict[str, dict[str, str]]:
    """normalised bare phrase -> unit -> code; refuses unknown codes and phrases that are aliases
    or listed twice (the phrase would have two meanings)."""
    by_bare: dict[str, dict[str, str]] = {}
    for number, group in enumerate(parsed.bare_phrases):
        where = f"{path}: bare_phrases.{number}"
        unknown = sorted(set(group.units.values()) - codes)
        if unknown:
            raise RuleFileError(f"{where}: unknown code {unknown[0]!r}")
        for phrase in map(normalise, group.phrases):
            if phrase in by_alias:
                raise RuleFileError(f"{where}: {phrase!r} is an alias of {by_alias[phrase]}")
            if phrase in by_bare:
                raise RuleFileError(f"{where}: {phrase!r} is listed twice")
            by_bare[phrase] = dict(group.units)
    return by_bare


def _place(data: object, loc: tuple) -> str:
    """'indicators.3 (code_x).aliases' for a validation error: the indicator's code when known."""
    parts = [str(part) for part in loc]
    if len(loc) >= 2 and loc[0] == "indicators" and isinstance(data, dict):
        items = data.get("indicators") or []
        if isinstance(loc[1], int) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            parts[1] = f"{loc[1]} ({items[loc[1]].get('code', '?')})"
    return ".".join(parts)
