"""``jiceng import catalogue FILE``."""

from jiceng.cases.catalogue import import_catalogue

IMPORTERS = {"catalogue": import_catalogue}
