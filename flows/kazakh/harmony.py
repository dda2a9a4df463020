"""Kazakh vowel harmony: native words take back vowels (а о ұ ы) or front ones (ә е ө ү і),
and к/г go with front vowels, қ/ғ with back ones."""

BACK_VOWELS = "аоұы"
FRONT_VOWELS = "әеөүі"
VOWELS = "аәеиоөұүыіуэюяё"  # with the vowels of Russian loans, which take no side
BACK_CONSONANTS, FRONT_CONSONANTS = "қғ", "кг"
