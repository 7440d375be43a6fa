"""The numbers of the tool's French messages (``xlplugin.grouping``)."""

from xlplugin.grouping import first_ones, grouped


def test_a_number_is_grouped_by_three_digits_with_a_narrow_no_break_space():
    assert grouped(7) == "7"
    assert grouped(32_767) == "32\u202f767"
    assert grouped(-1_048_576) == "-1\u202f048\u202f576"
    # A whole number stays exact however large (a float would round it); a float is rounded to units.
    assert grouped(12_345_678_901_234_567_891) == "12\u202f345\u202f678\u202f901\u202f234\u202f567\u202f891"
    assert grouped(1023.6) == "1\u202f024"


def test_a_long_list_names_its_first_items_and_counts_the_others():
    assert first_ones(["a", "b"], 3) == "a, b"
    assert first_ones(["a", "b", "c", "d"], 3) == "a, b, c et 1 autre"
    assert first_ones([str(i) for i in range(1_003)], 2, cut="…") == "0, 1… et 1\u202f001 autres"
