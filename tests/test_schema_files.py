"""The published JSON Schemas are generated from the validator's own definitions and stay current."""
from __future__ import annotations

import json

from conftest import ROOT
from jsonschema import Draft202012Validator

from digest.editorial.schemas import published_schemas
from digest.editorial.yamlload import load_file


def test_committed_schemas_match_the_validator_definitions():
    for name, text in published_schemas().items():
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == text, f"run `digest schema` to refresh {name}"


def test_shipped_files_validate_against_the_published_schemas():
    schemas = {name: json.loads(text) for name, text in published_schemas().items()}
    Draft202012Validator.check_schema(schemas["issue.schema.json"])
    config = load_file(ROOT / "digest.yaml").data
    assert not list(Draft202012Validator(schemas["digest.schema.json"]).iter_errors(config))
    for path in sorted((ROOT / "issues").glob("*.yaml")):
        data = load_file(path).data
        assert not list(Draft202012Validator(schemas["issue.schema.json"]).iter_errors(data)), path


def test_shipped_files_carry_the_editor_modeline():
    assert (ROOT / "digest.yaml").read_text().startswith("# yaml-language-server: $schema=schemas/digest.schema.json")
    for path in sorted((ROOT / "issues").glob("*.yaml")):
        assert path.read_text().startswith("# yaml-language-server: $schema=../schemas/issue.schema.json"), path
