"""Importers and exporters, one module per format. They read or write model objects and never
touch the project store; ``annotator.project`` stores what they yield."""
