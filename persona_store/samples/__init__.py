"""Sample personas shipped with the package (personas.yaml), loaded into an empty store."""

from persona_store.personas.files import load_samples_if_empty, sample_specs

__all__ = ["load_samples_if_empty", "sample_specs"]
