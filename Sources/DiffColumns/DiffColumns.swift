// DiffColumns: differentiable columns for gradient-based analysis optimisation.
//
// The layer turns event columns into histograms whose contents are smooth functions of a few
// analysis parameters (cut values, bin edges). Every kernel makes one pass over the events and
// returns, in that same pass, the small Jacobian with respect to those parameters (forward mode
// over the parameters, vectorised over the events). `@derivative(of:)` registrations expose the
// kernels to Swift's reverse-mode AD, so downstream code (model, fit, objective) composes with them
// without AD ever looking inside a per-event loop.
