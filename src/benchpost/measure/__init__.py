"""Making one number: a benchmark on an interpreter, by one metric. No caching here.

``interpreters`` finds and probes an interpreter, ``compiler`` builds the C
extension for it, ``process`` runs a target process that can be killed,
``metric`` says what every metric provides, ``timing`` (pyperf) and
``counting`` (callgrind: ``callgrind`` runs it, ``valgrind`` finds it) are
the metrics, and
``registry`` names them. What to measure comes from ``benchpost.suite``;
remembering results is ``benchpost.store``'s job.
"""
