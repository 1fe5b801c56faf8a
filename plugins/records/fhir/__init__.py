"""The clinical record on the FHIR API: Encounter, Condition (problems), AllergyIntolerance,
MedicationStatement, Observation (vital signs), DocumentReference (signed notes) with the note's PDF as
Binary, and Provenance (who signed a note, and who recorded or changed each problem, allergy,
medication, vital sign and encounter, when). Who sees what follows the chart's rules
(``visibility.py``)."""


def providers() -> list:
    from .documents import BinaryProvider, DocumentReferenceProvider
    from .encounters import EncounterProvider
    from .lists import AllergyIntoleranceProvider, ConditionProvider, MedicationStatementProvider
    from .provenance import ProvenanceProvider
    from .vitals import ObservationProvider

    return [
        EncounterProvider(),
        ConditionProvider(),
        AllergyIntoleranceProvider(),
        MedicationStatementProvider(),
        ObservationProvider(),
        DocumentReferenceProvider(),
        BinaryProvider(),
        ProvenanceProvider(),
    ]
