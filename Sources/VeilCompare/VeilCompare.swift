// The compare/probe engine lands here.
