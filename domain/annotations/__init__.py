"""Photo annotations: a customer's QC engineer marks regions of a process photo, both sides discuss, the
team lead of the operation's work center resolves. Stored as W3C Web Annotation JSON."""
