"""Each setting is declared once (`bot.config.Settings`); the README's table and the example files are
checked against that declaration here, so none of them can fall behind (issue 12)."""

from dataclasses import fields

import yaml

from bot.config import ENVIRONMENT, ENVIRONMENT_ONLY, Settings, load_settings
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TABLE = README[README.index("## Configuration"):README.index("## Dependencies")]
ROWS = [line for line in TABLE.splitlines() if line.startswith("| ")]


def test_every_setting_has_one_row_in_the_readme_naming_it_and_its_variable():
    for setting in fields(Settings):
        rows = [row for row in ROWS if f"`{ENVIRONMENT[setting.name]}`" in row.split("|")[2]]
        assert len(rows) == 1, setting.name
        named = rows[0].split("|")[1]
        assert ("—" in named) if setting.name in ENVIRONMENT_ONLY else (f"`{setting.name}`" in named), rows[0]
    documented = {v.strip("` ") for row in ROWS for v in row.split("|")[2].split(",")
                  if v.strip().startswith("`")}
    assert {v.split(" ")[0].strip("`") for v in documented} <= set(ENVIRONMENT.values())  # no stale rows


def test_the_example_settings_file_lists_every_setting_with_its_default():
    example = yaml.safe_load((ROOT / "deploy" / "bot.example.yaml").read_text(encoding="utf-8"))
    assert set(example) == {f.name for f in fields(Settings)} - ENVIRONMENT_ONLY
    loaded = load_settings({"BOT_CONFIG": str(ROOT / "deploy" / "bot.example.yaml")})
    for setting in fields(Settings):
        if setting.name != "corpus":  # the example names the folder relative to the project root
            assert getattr(loaded, setting.name) == setting.default, setting.name


def test_the_example_environment_file_names_only_real_variables():
    text = (ROOT / "deploy" / "bot.env.example").read_text(encoding="utf-8")
    names = {line.lstrip("# ").split("=")[0] for line in text.splitlines() if "=" in line and line.lstrip("# ")[:1].isupper()}
    assert names and names <= set(ENVIRONMENT.values()) and "TELEGRAM_BOT_TOKEN" in names


def test_the_readmes_manifest_entry_names_every_field_in_the_loaders_order():
    """The manifest's fields are declared once (`retrieval.corpus.FIELDS`, which the loader and `add` use);
    the README's example entry is checked against it."""
    from retrieval.corpus import FIELDS

    example = README[README.index("```yaml\n   - id:"):]
    example = example[len("```yaml\n"):example.index("```", 3)]
    entry = yaml.safe_load("\n".join(line[3:] for line in example.splitlines()))[0]
    assert tuple(entry) == FIELDS
