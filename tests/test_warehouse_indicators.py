"""The canonical indicator list: validated when loaded, and the phrase -> code rule, case by case
over indicator phrases as the extractors cut them from the corpus."""
from __future__ import annotations

import pytest

from reform_facts.errors import RuleFileError
from reform_facts.warehouse.indicators import CANONICAL_FILE, load_canonical

# (phrase as an extractor gives it, code expected): exact, contained, longest wins, none.
PHRASES = [
    ("医疗服务收入占比", "med_service_revenue_share"),
    ("公立医院医疗服务收入占比", "med_service_revenue_share"),
    ("医疗服务收入（不含药品等）占比", "med_service_revenue_share"),  # full-width brackets
    ("全市基层诊疗量占比", "primary_care_visit_share"),
    ("以上、县域内就诊率", "county_visit_rate"),
    ("以上、县域内住院量占比", "county_inpatient_share"),
    ("城乡居民参保患者住院实际报销比例", "resident_inpatient_reimbursement_rate"),
    ("基层住院中医药报销比例", "reimbursement_rate"),
    ("每千人口执业（助理）医师数", "doctors_per_thousand"),
    ("“一高”是指人均预期寿命", "life_expectancy"),
    ("医生平均年薪", "physician_average_salary"),
    ("医疗服务收入", None),  # an amount of revenue, not its share
    ("医疗卫生机构", None),
    ("比例", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("phrase", "code"), PHRASES, ids=[str(p) for p, _ in PHRASES])
def test_a_phrase_maps_to_its_canonical_code(phrase, code):
    assert load_canonical().code_for(phrase) == code


def test_every_example_of_the_file_maps_to_its_own_code():
    canonical = load_canonical()
    examples = [(example, i.code) for i in canonical.indicators for example in i.examples]
    assert len(examples) >= len(canonical.indicators)
    assert [(e, canonical.code_for(e)) for e, _ in examples] == examples


def test_the_list_covers_the_indicators_the_issue_names():
    codes = {i.code for i in load_canonical().indicators}
    assert {"med_service_revenue_share", "primary_care_visit_share", "county_visit_rate",
            "drug_consumable_revenue_share", "employee_inpatient_reimbursement_rate",
            "resident_inpatient_reimbursement_rate", "inpatient_cost_per_admission",
            "beds_per_thousand", "doctors_per_thousand"} <= codes


def test_between_aliases_of_equal_length_the_later_one_wins(tmp_path):
    path = tmp_path / "indicators_canonical.yaml"
    path.write_text("""indicators:
  - {code: first, name: 甲乙丙丁, name_en: a, quantity_type: percentage, aliases: []}
  - {code: second, name: 戊己庚辛, name_en: b, quantity_type: percentage, aliases: []}
""", encoding="utf-8")
    assert load_canonical(path).code_for("甲乙丙丁和戊己庚辛") == "second"
    assert load_canonical(path).code_for("戊己庚辛和甲乙丙丁") == "first"


BROKEN = [
    ("unknown key", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: [], colour: red}",
     "x_rate.*colour"),
    ("bad code", "- {code: X-Rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: []}",
     "not lower snake case"),
    ("short alias", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: [占比]}",
     "x_rate.*shorter than 3"),
    ("bad type", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: share, aliases: []}",
     "x_rate.*quantity_type"),
    ("alias twice", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: [共同别名]}\n"
                    "  - {code: y_rate, name: 另外比例, name_en: y, quantity_type: percentage, aliases: [共同别名]}",
     "y_rate: alias '共同别名' also belongs to x_rate"),
    ("code twice", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: []}\n"
                   "  - {code: x_rate, name: 另外比例, name_en: y, quantity_type: percentage, aliases: []}",
     "x_rate: code used twice"),
    ("wrong example", "- {code: x_rate, name: 某某比例, name_en: x, quantity_type: percentage, aliases: [],"
                      " examples: [完全无关]}",
     "x_rate: example '完全无关' maps to None"),
]


@pytest.mark.parametrize(("case", "entry", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_list_is_refused_naming_the_file_and_the_indicator(tmp_path, case, entry, message):
    path = tmp_path / f"{case.replace(' ', '_')}.yaml"
    path.write_text("indicators:\n  " + entry + "\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=message) as raised:
        load_canonical(path)
    assert str(path) in str(raised.value)


def test_the_project_file_is_the_one_loaded_by_default():
    assert load_canonical() is load_canonical(CANONICAL_FILE)
