"""Datasets of the course: one module per dataset (generators and loaders).

Every loader works offline: data comes from a generator in the module, from a package that
ships it, or from a small file committed in ``datasets/`` with its provenance and licence.
"""
