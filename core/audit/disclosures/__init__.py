"""Disclosures of a patient's information outside the practice, and the patient's accounting of them
(HIPAA §164.528): staff record what was given to whom, when and why; the patient reads, and may print,
every disclosure of the last six years whose purpose was not treatment, payment or health care
operations.

``services`` records and marks them; ``accounting`` reads what a patient is owed; ``access`` is the one
road from an id to a disclosure; ``pdf`` prints the accounting; ``rules`` says who may do what.
"""
