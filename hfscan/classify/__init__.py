"""Classification: file -> format -> framework rules as data, applied to stored repo versions."""
