"""TeX accents in RSS author names become Unicode NFC (checked on the quant-ph recording's names)."""
from __future__ import annotations

import re
import unicodedata

import pytest
from arxiv_server import fixture_bytes
from hypothesis import given
from hypothesis import strategies as st

from digest.fetch.tex import split_authors, tex_to_unicode

QUANT_PH = "rss_quant-ph_2025-04-28_new-cross-replace.xml"


@pytest.mark.parametrize(
    "tex, unicode",
    [
        (r"Jakob G\"unther", "Jakob Günther"),
        (r"Michal Hajdu\v{s}ek", "Michal Hajdušek"),
        (r"S{\o}ren Stobbe", "Søren Stobbe"),
        (r"Stanis{\l}aw \'Swierczewski", "Stanisław Świerczewski"),
        (r"Micha{\l} Matuszewski", "Michał Matuszewski"),
        (r"Magdalena Stobi\'nska", "Magdalena Stobińska"),
        (r"S\'ebastien Le Beux", "Sébastien Le Beux"),
        (r"Gy\"orgy Frank", "György Frank"),
        (r"Andr\'as P\'alyi", "András Pályi"),
        (r"Patrik \"Ohberg", "Patrik Öhberg"),
        (r"Klaus M{\o}lmer", "Klaus Mølmer"),
        (r"Rapha\"el Menu", "Raphaël Menu"),
        (r"Dorival Gon\c{c}alves", "Dorival Gonçalves"),
        (r"Juan Ram\'on Mu\~noz de Nova", "Juan Ramón Muñoz de Nova"),
        (r"Fr\'ed\'eric D\'eliot", "Frédéric Déliot"),
        (r"Serdar Kad{\i}o\u{g}lu", "Serdar Kadıoğlu"),
        (r"Gu{\dh}mundur", "Guðmundur"),
        (r"Marta {\L}uksza", "Marta Łuksza"),
        (r"Jaros{\l}aw \.Zygierewicz", "Jarosław Żygierewicz"),
        (r"Jos{\'e} Garc{\'\i}a", "José García"),
        (r"Fran\c cois", "François"),
        (r"Ren\'{e}e", "Renée"),
        (r"Stra{\ss}er", "Straßer"),
        (r"M\"{u}ller", "Müller"),
        (r"\AA{}ngstr\"om", "Ångström"),
        (r"{McDonald}", "McDonald"),
        (r"A.~Smith", "A. Smith"),
        ("Plain  Name ", "Plain Name"),
        ("Dirk Wübben", "Dirk Wübben"),
    ],
)
def test_tex_to_unicode(tex, unicode):
    assert tex_to_unicode(tex) == unicode
    assert unicodedata.is_normalized("NFC", tex_to_unicode(tex))


def test_every_quant_ph_name_is_clean_unicode():
    creators = re.findall(rb"<dc:creator>(.*?)</dc:creator>", fixture_bytes(QUANT_PH), re.S)
    names = [name for c in creators for name, _ in split_authors(c.decode("utf-8"))]
    assert len(names) > 300
    for name in names:
        assert "\\" not in name and "{" not in name and "}" not in name, name
        assert unicodedata.is_normalized("NFC", name)
    for expected in ("Jakob Günther", "Michal Hajdušek", "Søren Stobbe", "Stanisław Świerczewski",
                     "Gonçalves", "Juan Ramón Muñoz de Nova", "Niklas Hörnedal", "Aurélia Chenu"):
        assert any(expected in n for n in names), expected


def test_split_authors_keeps_affiliations_apart():
    creator = "Tianliang Yan (University of Birmingham, School of Physics, UK), Yubao Liu (Huazhong University, Wuhan, China), Jiri Smetana"
    assert split_authors(creator) == [
        ("Tianliang Yan", ["University of Birmingham, School of Physics, UK"]),
        ("Yubao Liu", ["Huazhong University, Wuhan, China"]),
        ("Jiri Smetana", []),
    ]


def test_split_authors_handles_empty_parts():
    assert split_authors(" , A B,, ") == [("A B", [])]


@given(st.text())
def test_tex_to_unicode_never_raises(text):
    out = tex_to_unicode(text)
    assert unicodedata.is_normalized("NFC", out)
    split_authors(text)
