"""``jiceng import patrol-checklist FILE`` (YAML as shipped, or CSV: category, category_name, code, name,
event_type, kinds)."""

from jiceng.gridwork.checklist import import_checklist

IMPORTERS = {"patrol-checklist": import_checklist}

from jiceng.gridwork.keypersons import import_key_persons  # noqa: E402

IMPORTERS["key-persons"] = import_key_persons
