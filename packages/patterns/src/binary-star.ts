// Placeholder: the module that re-exports this pattern's public API (filled in by issue 12).
export {}
