# ruff: noqa: E501 - message wording reads better unbroken
"""The wording every clinic starts with, per message type and language: (subject, email text, text message).

Templates use Django's template language over plain values only (see ``rendering.SAMPLE_CONTEXT`` for the
variables). A clinic may replace any of them; a language missing here falls back to English.
"""

from __future__ import annotations

FALLBACK_LANGUAGE = "en"

_SIGN_EN = "\n\n{{ sender_name }}{% if clinic_phone %}\n{{ clinic_phone }}{% endif %}"
_SIGN_DE = _SIGN_EN
_SIGN_FR = _SIGN_EN

DEFAULTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "appointment_booked": {
        "en": (
            "Your appointment on {{ date }} at {{ time }}",
            "Hello {{ patient_first_name }},\n\nYour appointment for {{ service_name }} with {{ practitioner_name }} "
            "is confirmed for {{ date }} at {{ time }}." + _SIGN_EN,
            "{{ sender_name }}: your appointment is confirmed for {{ date }} at {{ time }}.",
        ),
        "de": (
            "Ihr Termin am {{ date }} um {{ time }}",
            "Guten Tag {{ patient_name }},\n\nIhr Termin für {{ service_name }} bei {{ practitioner_name }} "
            "ist für {{ date }} um {{ time }} Uhr bestätigt." + _SIGN_DE,
            "{{ sender_name }}: Ihr Termin am {{ date }} um {{ time }} Uhr ist bestätigt.",
        ),
        "fr": (
            "Votre rendez-vous du {{ date }} à {{ time }}",
            "Bonjour {{ patient_name }},\n\nVotre rendez-vous pour {{ service_name }} avec "
            "{{ practitioner_name }} est confirmé le {{ date }} à {{ time }}." + _SIGN_FR,
            "{{ sender_name }} : votre rendez-vous est confirmé le {{ date }} à {{ time }}.",
        ),
    },
    "request_received": {
        "en": (
            "We received your appointment request",
            "Hello {{ patient_first_name }},\n\nWe received your request for {{ service_name }} with "
            "{{ practitioner_name }} on {{ date }} at {{ time }}. We will confirm it or suggest another "
            "time soon; the appointment is not confirmed until then." + _SIGN_EN,
            "{{ sender_name }}: we received your request for {{ date }} at {{ time }} and will confirm it soon.",
        ),
        "de": (
            "Wir haben Ihre Terminanfrage erhalten",
            "Guten Tag {{ patient_name }},\n\nwir haben Ihre Anfrage für {{ service_name }} bei "
            "{{ practitioner_name }} am {{ date }} um {{ time }} Uhr erhalten. Wir bestätigen sie bald oder "
            "schlagen eine andere Zeit vor; bis dahin ist der Termin nicht bestätigt." + _SIGN_DE,
            "{{ sender_name }}: Ihre Anfrage für {{ date }} um {{ time }} Uhr ist eingegangen. Wir melden uns bald.",
        ),
        "fr": (
            "Nous avons reçu votre demande de rendez-vous",
            "Bonjour {{ patient_name }},\n\nNous avons reçu votre demande pour {{ service_name }} avec "
            "{{ practitioner_name }} le {{ date }} à {{ time }}. Nous la confirmerons ou vous proposerons un "
            "autre horaire rapidement ; d'ici là, le rendez-vous n'est pas confirmé." + _SIGN_FR,
            "{{ sender_name }} : demande reçue pour le {{ date }} à {{ time }}. Nous vous répondons rapidement.",
        ),
    },
    "request_approved": {
        "en": (
            "Your appointment request was accepted",
            "Hello {{ patient_first_name }},\n\nWe have accepted your request: {{ service_name }} with "
            "{{ practitioner_name }} on {{ date }} at {{ time }}." + _SIGN_EN,
            "{{ sender_name }}: your request was accepted. See you on {{ date }} at {{ time }}.",
        ),
        "de": (
            "Ihre Terminanfrage wurde angenommen",
            "Guten Tag {{ patient_name }},\n\nwir haben Ihre Anfrage angenommen: {{ service_name }} bei "
            "{{ practitioner_name }} am {{ date }} um {{ time }} Uhr." + _SIGN_DE,
            "{{ sender_name }}: Ihre Anfrage wurde angenommen. Bis zum {{ date }} um {{ time }} Uhr.",
        ),
        "fr": (
            "Votre demande de rendez-vous est acceptée",
            "Bonjour {{ patient_name }},\n\nNous avons accepté votre demande : {{ service_name }} avec "
            "{{ practitioner_name }} le {{ date }} à {{ time }}." + _SIGN_FR,
            "{{ sender_name }} : votre demande est acceptée. À bientôt le {{ date }} à {{ time }}.",
        ),
    },
    "request_declined": {
        "en": (
            "We could not accept your appointment request",
            "Hello {{ patient_first_name }},\n\nUnfortunately we cannot offer the appointment you asked for on "
            "{{ date }} at {{ time }}.{% if reason %}\n\n{{ reason }}{% endif %}\n\nPlease choose another "
            "time." + _SIGN_EN,
            "{{ sender_name }}: we cannot offer {{ date }} at {{ time }}. Please choose another time.",
        ),
        "de": (
            "Ihre Terminanfrage konnten wir leider nicht annehmen",
            "Guten Tag {{ patient_name }},\n\nleider können wir den gewünschten Termin am {{ date }} um "
            "{{ time }} Uhr nicht anbieten.{% if reason %}\n\n{{ reason }}{% endif %}\n\nBitte wählen Sie "
            "eine andere Zeit." + _SIGN_DE,
            "{{ sender_name }}: Termin am {{ date }} um {{ time }} leider nicht möglich. Bitte neu wählen.",
        ),
        "fr": (
            "Nous ne pouvons pas accepter votre demande",
            "Bonjour {{ patient_name }},\n\nNous ne pouvons malheureusement pas vous proposer le rendez-vous "
            "du {{ date }} à {{ time }}.{% if reason %}\n\n{{ reason }}{% endif %}\n\nMerci de choisir un "
            "autre horaire." + _SIGN_FR,
            "{{ sender_name }} : le {{ date }} à {{ time }} n'est pas possible. Merci de choisir un autre horaire.",
        ),
    },
    "appointment_rescheduled": {
        "en": (
            "Your appointment has moved to {{ date }} at {{ time }}",
            "Hello {{ patient_first_name }},\n\nYour appointment for {{ service_name }} has moved from "
            "{{ previous_date }} at {{ previous_time }} to {{ date }} at {{ time }}." + _SIGN_EN,
            "{{ sender_name }}: your appointment has moved to {{ date }} at {{ time }}.",
        ),
        "de": (
            "Ihr Termin wurde auf {{ date }} um {{ time }} verlegt",
            "Guten Tag {{ patient_name }},\n\nIhr Termin für {{ service_name }} wurde von {{ previous_date }} "
            "um {{ previous_time }} Uhr auf {{ date }} um {{ time }} Uhr verlegt." + _SIGN_DE,
            "{{ sender_name }}: Ihr Termin wurde auf {{ date }} um {{ time }} Uhr verlegt.",
        ),
        "fr": (
            "Votre rendez-vous est déplacé au {{ date }} à {{ time }}",
            "Bonjour {{ patient_name }},\n\nVotre rendez-vous pour {{ service_name }} est déplacé du "
            "{{ previous_date }} à {{ previous_time }} au {{ date }} à {{ time }}." + _SIGN_FR,
            "{{ sender_name }} : votre rendez-vous est déplacé au {{ date }} à {{ time }}.",
        ),
    },
    "appointment_cancelled": {
        "en": (
            "Your appointment on {{ date }} is cancelled",
            "Hello {{ patient_first_name }},\n\nYour appointment on {{ date }} at {{ time }} is cancelled."
            "{% if reason %}\n\n{{ reason }}{% endif %}" + _SIGN_EN,
            "{{ sender_name }}: your appointment on {{ date }} at {{ time }} is cancelled.",
        ),
        "de": (
            "Ihr Termin am {{ date }} ist abgesagt",
            "Guten Tag {{ patient_name }},\n\nIhr Termin am {{ date }} um {{ time }} Uhr ist abgesagt."
            "{% if reason %}\n\n{{ reason }}{% endif %}" + _SIGN_DE,
            "{{ sender_name }}: Ihr Termin am {{ date }} um {{ time }} Uhr ist abgesagt.",
        ),
        "fr": (
            "Votre rendez-vous du {{ date }} est annulé",
            "Bonjour {{ patient_name }},\n\nVotre rendez-vous du {{ date }} à {{ time }} est annulé."
            "{% if reason %}\n\n{{ reason }}{% endif %}" + _SIGN_FR,
            "{{ sender_name }} : votre rendez-vous du {{ date }} à {{ time }} est annulé.",
        ),
    },
    "appointment_reminder": {
        "en": (
            "Reminder: your appointment on {{ date }} at {{ time }}",
            "Hello {{ patient_first_name }},\n\nThis is a reminder of your appointment for {{ service_name }} with "
            "{{ practitioner_name }} on {{ date }} at {{ time }}." + _SIGN_EN,
            "{{ sender_name }}: reminder of your appointment on {{ date }} at {{ time }}.",
        ),
        "de": (
            "Erinnerung: Ihr Termin am {{ date }} um {{ time }}",
            "Guten Tag {{ patient_name }},\n\nwir erinnern Sie an Ihren Termin für {{ service_name }} bei "
            "{{ practitioner_name }} am {{ date }} um {{ time }} Uhr." + _SIGN_DE,
            "{{ sender_name }}: Erinnerung an Ihren Termin am {{ date }} um {{ time }} Uhr.",
        ),
        "fr": (
            "Rappel : votre rendez-vous du {{ date }} à {{ time }}",
            "Bonjour {{ patient_name }},\n\nNous vous rappelons votre rendez-vous pour {{ service_name }} avec "
            "{{ practitioner_name }} le {{ date }} à {{ time }}." + _SIGN_FR,
            "{{ sender_name }} : rappel de votre rendez-vous le {{ date }} à {{ time }}.",
        ),
    },
    "waitlist_offer": {
        "en": (
            "A time became free: {{ date }} at {{ time }}",
            "Hello {{ patient_first_name }},\n\nA time you were waiting for became free: {{ date }} at {{ time }}. "
            "Contact us soon if you would like it." + _SIGN_EN,
            "{{ sender_name }}: {{ date }} at {{ time }} is free. Contact us soon if you would like it.",
        ),
        "de": (
            "Ein Termin ist frei geworden: {{ date }} um {{ time }}",
            "Guten Tag {{ patient_name }},\n\nein Termin, auf den Sie warten, ist frei geworden: {{ date }} "
            "um {{ time }} Uhr. Melden Sie sich bald, wenn Sie ihn möchten." + _SIGN_DE,
            "{{ sender_name }}: {{ date }} um {{ time }} Uhr ist frei. Melden Sie sich bald.",
        ),
        "fr": (
            "Un créneau s'est libéré : {{ date }} à {{ time }}",
            "Bonjour {{ patient_name }},\n\nUn créneau que vous attendiez s'est libéré : le {{ date }} à "
            "{{ time }}. Contactez-nous rapidement s'il vous intéresse." + _SIGN_FR,
            "{{ sender_name }} : le {{ date }} à {{ time }} est libre. Contactez-nous rapidement.",
        ),
    },
    "invoice_issued": {
        "en": (
            "Invoice {{ invoice_number }}",
            "Hello {{ patient_first_name }},\n\nYour invoice {{ invoice_number }} for {{ amount }} is ready."
            "{% if link %}\n\nView it here: {{ link }}{% endif %}" + _SIGN_EN,
            "{{ sender_name }}: invoice {{ invoice_number }} for {{ amount }} is ready. {{ link }}",
        ),
        "de": (
            "Rechnung {{ invoice_number }}",
            "Guten Tag {{ patient_name }},\n\nIhre Rechnung {{ invoice_number }} über {{ amount }} liegt "
            "bereit.{% if link %}\n\nSie finden sie hier: {{ link }}{% endif %}" + _SIGN_DE,
            "{{ sender_name }}: Rechnung {{ invoice_number }} über {{ amount }} liegt bereit. {{ link }}",
        ),
        "fr": (
            "Facture {{ invoice_number }}",
            "Bonjour {{ patient_name }},\n\nVotre facture {{ invoice_number }} de {{ amount }} est "
            "disponible.{% if link %}\n\nConsultez-la ici : {{ link }}{% endif %}" + _SIGN_FR,
            "{{ sender_name }} : facture {{ invoice_number }} de {{ amount }} disponible. {{ link }}",
        ),
    },
    "payment_receipt": {
        "en": (
            "Thank you for your payment",
            "Hello {{ patient_first_name }},\n\nWe have received your payment of {{ amount }}"
            "{% if invoice_number %} for invoice {{ invoice_number }}{% endif %}. Thank you." + _SIGN_EN,
            "{{ sender_name }}: we received your payment of {{ amount }}. Thank you.",
        ),
        "de": (
            "Vielen Dank für Ihre Zahlung",
            "Guten Tag {{ patient_name }},\n\nwir haben Ihre Zahlung über {{ amount }}"
            "{% if invoice_number %} für Rechnung {{ invoice_number }}{% endif %} erhalten. Vielen Dank."
            + _SIGN_DE,
            "{{ sender_name }}: Ihre Zahlung über {{ amount }} ist eingegangen. Vielen Dank.",
        ),
        "fr": (
            "Merci pour votre paiement",
            "Bonjour {{ patient_name }},\n\nNous avons bien reçu votre paiement de {{ amount }}"
            "{% if invoice_number %} pour la facture {{ invoice_number }}{% endif %}. Merci." + _SIGN_FR,
            "{{ sender_name }} : nous avons reçu votre paiement de {{ amount }}. Merci.",
        ),
    },
    "stock_low": {
        "en": (
            "Low stock: {{ item_name }}",
            "{{ item_name }} is down to {{ on_hand }} at {{ clinic_name }} (reorder level "
            "{{ reorder_level }}).",
            "",
        ),
        "de": (
            "Niedriger Bestand: {{ item_name }}",
            "{{ item_name }}: nur noch {{ on_hand }} in {{ clinic_name }} (Meldebestand {{ reorder_level }}).",
            "",
        ),
        "fr": (
            "Stock bas : {{ item_name }}",
            "Il ne reste que {{ on_hand }} de {{ item_name }} à {{ clinic_name }} (seuil de commande "
            "{{ reorder_level }}).",
            "",
        ),
    },
    "lots_expiring": {
        "en": (
            "{{ lots|length }} lot(s) expiring at {{ clinic_name }}",
            "These lots at {{ clinic_name }} expire soon or have expired:\n"
            "{% for lot in lots %}\n- {{ lot.name }}{% if lot.number %} ({{ lot.number }}){% endif %}: "
            "{{ lot.expires }}{% endfor %}",
            "",
        ),
        "de": (
            "{{ lots|length }} Charge(n) laufen in {{ clinic_name }} ab",
            "Diese Chargen in {{ clinic_name }} laufen bald ab oder sind abgelaufen:\n"
            "{% for lot in lots %}\n- {{ lot.name }}{% if lot.number %} ({{ lot.number }}){% endif %}: "
            "{{ lot.expires }}{% endfor %}",
            "",
        ),
        "fr": (
            "{{ lots|length }} lot(s) arrivent à expiration à {{ clinic_name }}",
            "Ces lots de {{ clinic_name }} expirent bientôt ou sont expirés :\n"
            "{% for lot in lots %}\n- {{ lot.name }}{% if lot.number %} ({{ lot.number }}){% endif %} : "
            "{{ lot.expires }}{% endfor %}",
            "",
        ),
    },
}

_SIGN = _SIGN_EN

# Spanish and Arabic wording, each language kept together so a reviewer reads it in one pass.
_MORE_LANGUAGES: dict[str, dict[str, tuple[str, str, str]]] = {
    "appointment_booked": {
        "es": (
            "Su cita del {{ date }} a las {{ time }}",
            "Hola, {{ patient_name }}:\n\nsu cita de {{ service_name }} con {{ practitioner_name }} queda confirmada para el {{ date }} a las {{ time }}."
            + _SIGN,
            "{{ sender_name }}: su cita queda confirmada para el {{ date }} a las {{ time }}.",
        ),
        "ar": (
            "موعدك يوم {{ date }} الساعة {{ time }}",
            "مرحباً {{ patient_name }}،\n\nتم تأكيد موعدك لـ {{ service_name }} مع {{ practitioner_name }} يوم {{ date }} الساعة {{ time }}."
            + _SIGN,
            "{{ sender_name }}: تم تأكيد موعدك يوم {{ date }} الساعة {{ time }}.",
        ),
    },
    "request_received": {
        "es": (
            "Hemos recibido su solicitud de cita",
            "Hola, {{ patient_name }}:\n\nhemos recibido su solicitud de {{ service_name }} con {{ practitioner_name }} para el {{ date }} a las {{ time }}. Pronto la confirmaremos o le propondremos otra hora; hasta entonces la cita no está confirmada."
            + _SIGN,
            "{{ sender_name }}: hemos recibido su solicitud para el {{ date }} a las {{ time }} y la confirmaremos pronto.",
        ),
        "ar": (
            "استلمنا طلب موعدك",
            "مرحباً {{ patient_name }}،\n\nاستلمنا طلبك لـ {{ service_name }} مع {{ practitioner_name }} يوم {{ date }} الساعة {{ time }}. سنؤكده أو نقترح وقتاً آخر قريباً؛ ولا يُعدّ الموعد مؤكداً حتى ذلك الحين."
            + _SIGN,
            "{{ sender_name }}: استلمنا طلبك ليوم {{ date }} الساعة {{ time }} وسنؤكده قريباً.",
        ),
    },
    "request_approved": {
        "es": (
            "Hemos aceptado su solicitud de cita",
            "Hola, {{ patient_name }}:\n\nhemos aceptado su solicitud: {{ service_name }} con {{ practitioner_name }} el {{ date }} a las {{ time }}."
            + _SIGN,
            "{{ sender_name }}: hemos aceptado su solicitud. Le esperamos el {{ date }} a las {{ time }}.",
        ),
        "ar": (
            "تم قبول طلب موعدك",
            "مرحباً {{ patient_name }}،\n\nقبلنا طلبك: {{ service_name }} مع {{ practitioner_name }} يوم {{ date }} الساعة {{ time }}."
            + _SIGN,
            "{{ sender_name }}: تم قبول طلبك. نراك يوم {{ date }} الساعة {{ time }}.",
        ),
    },
    "request_declined": {
        "es": (
            "No hemos podido aceptar su solicitud de cita",
            "Hola, {{ patient_name }}:\n\nlamentablemente no podemos ofrecerle la cita que pidió para el {{ date }} a las {{ time }}.{% if reason %}\n\n{{ reason }}{% endif %}\n\nPor favor, elija otra hora."
            + _SIGN,
            "{{ sender_name }}: no podemos ofrecerle el {{ date }} a las {{ time }}. Por favor, elija otra hora.",
        ),
        "ar": (
            "لم نتمكن من قبول طلب موعدك",
            "مرحباً {{ patient_name }}،\n\nللأسف لا يمكننا تقديم الموعد الذي طلبته يوم {{ date }} الساعة {{ time }}.{% if reason %}\n\n{{ reason }}{% endif %}\n\nيرجى اختيار وقت آخر."
            + _SIGN,
            "{{ sender_name }}: لا يمكننا تقديم موعد يوم {{ date }} الساعة {{ time }}. يرجى اختيار وقت آخر.",
        ),
    },
    "appointment_rescheduled": {
        "es": (
            "Su cita se ha movido al {{ date }} a las {{ time }}",
            "Hola, {{ patient_name }}:\n\nsu cita de {{ service_name }} se ha movido del {{ previous_date }} a las {{ previous_time }} al {{ date }} a las {{ time }}."
            + _SIGN,
            "{{ sender_name }}: su cita se ha movido al {{ date }} a las {{ time }}.",
        ),
        "ar": (
            "نُقل موعدك إلى يوم {{ date }} الساعة {{ time }}",
            "مرحباً {{ patient_name }}،\n\nنُقل موعدك لـ {{ service_name }} من يوم {{ previous_date }} الساعة {{ previous_time }} إلى يوم {{ date }} الساعة {{ time }}."
            + _SIGN,
            "{{ sender_name }}: نُقل موعدك إلى يوم {{ date }} الساعة {{ time }}.",
        ),
    },
    "appointment_cancelled": {
        "es": (
            "Su cita del {{ date }} está cancelada",
            "Hola, {{ patient_name }}:\n\nsu cita del {{ date }} a las {{ time }} está cancelada.{% if reason %}\n\n{{ reason }}{% endif %}"
            + _SIGN,
            "{{ sender_name }}: su cita del {{ date }} a las {{ time }} está cancelada.",
        ),
        "ar": (
            "أُلغي موعدك يوم {{ date }}",
            "مرحباً {{ patient_name }}،\n\nأُلغي موعدك يوم {{ date }} الساعة {{ time }}.{% if reason %}\n\n{{ reason }}{% endif %}"
            + _SIGN,
            "{{ sender_name }}: أُلغي موعدك يوم {{ date }} الساعة {{ time }}.",
        ),
    },
    "appointment_reminder": {
        "es": (
            "Recordatorio: su cita del {{ date }} a las {{ time }}",
            "Hola, {{ patient_name }}:\n\nle recordamos su cita de {{ service_name }} con {{ practitioner_name }} el {{ date }} a las {{ time }}."
            + _SIGN,
            "{{ sender_name }}: le recordamos su cita del {{ date }} a las {{ time }}.",
        ),
        "ar": (
            "تذكير: موعدك يوم {{ date }} الساعة {{ time }}",
            "مرحباً {{ patient_name }}،\n\nنذكّرك بموعدك لـ {{ service_name }} مع {{ practitioner_name }} يوم {{ date }} الساعة {{ time }}."
            + _SIGN,
            "{{ sender_name }}: تذكير بموعدك يوم {{ date }} الساعة {{ time }}.",
        ),
    },
    "waitlist_offer": {
        "es": (
            "Ha quedado libre una hora: {{ date }} a las {{ time }}",
            "Hola, {{ patient_name }}:\n\nha quedado libre una hora que esperaba: el {{ date }} a las {{ time }}. Contacte con nosotros pronto si la desea."
            + _SIGN,
            "{{ sender_name }}: el {{ date }} a las {{ time }} está libre. Contacte con nosotros pronto si lo desea.",
        ),
        "ar": (
            "أصبح هناك وقت متاح: يوم {{ date }} الساعة {{ time }}",
            "مرحباً {{ patient_name }}،\n\nأصبح الوقت الذي كنت تنتظره متاحاً: يوم {{ date }} الساعة {{ time }}. تواصل معنا قريباً إن كنت ترغب فيه."
            + _SIGN,
            "{{ sender_name }}: يوم {{ date }} الساعة {{ time }} متاح. تواصل معنا قريباً إن كنت ترغب فيه.",
        ),
    },
    "invoice_issued": {
        "es": (
            "Factura {{ invoice_number }}",
            "Hola, {{ patient_name }}:\n\nsu factura {{ invoice_number }} por {{ amount }} está disponible.{% if link %}\n\nPuede verla aquí: {{ link }}{% endif %}"
            + _SIGN,
            "{{ sender_name }}: la factura {{ invoice_number }} por {{ amount }} está disponible. {{ link }}",
        ),
        "ar": (
            "الفاتورة {{ invoice_number }}",
            "مرحباً {{ patient_name }}،\n\nفاتورتك {{ invoice_number }} بمبلغ {{ amount }} جاهزة.{% if link %}\n\nاطّلع عليها هنا: {{ link }}{% endif %}"
            + _SIGN,
            "{{ sender_name }}: الفاتورة {{ invoice_number }} بمبلغ {{ amount }} جاهزة. {{ link }}",
        ),
    },
    "payment_receipt": {
        "es": (
            "Gracias por su pago",
            "Hola, {{ patient_name }}:\n\nhemos recibido su pago de {{ amount }}{% if invoice_number %} de la factura {{ invoice_number }}{% endif %}. Gracias."
            + _SIGN,
            "{{ sender_name }}: hemos recibido su pago de {{ amount }}. Gracias.",
        ),
        "ar": (
            "شكراً على دفعتك",
            "مرحباً {{ patient_name }}،\n\nاستلمنا دفعتك بمبلغ {{ amount }}{% if invoice_number %} عن الفاتورة {{ invoice_number }}{% endif %}. شكراً لك."
            + _SIGN,
            "{{ sender_name }}: استلمنا دفعتك بمبلغ {{ amount }}. شكراً لك.",
        ),
    },
    "stock_low": {
        "es": (
            "Stock bajo: {{ item_name }}",
            "A {{ item_name }} le quedan {{ on_hand }} en {{ clinic_name }} (punto de pedido {{ reorder_level }}).",
            "",
        ),
        "ar": (
            "مخزون منخفض: {{ item_name }}",
            "انخفض مخزون {{ item_name }} إلى {{ on_hand }} في {{ clinic_name }} (حد إعادة الطلب {{ reorder_level }}).",
            "",
        ),
    },
    "lots_expiring": {
        "es": (
            "{{ lots|length }} lote(s) a punto de caducar en {{ clinic_name }}",
            "Estos lotes de {{ clinic_name }} caducan pronto o ya han caducado:\n{% for lot in lots %}\n- {{ lot.name }}{% if lot.number %} ({{ lot.number }}){% endif %}: {{ lot.expires }}{% endfor %}",
            "",
        ),
        "ar": (
            "{{ lots|length }} دفعة تنتهي صلاحيتها في {{ clinic_name }}",
            "هذه الدفعات في {{ clinic_name }} تنتهي صلاحيتها قريباً أو انتهت:\n{% for lot in lots %}\n- {{ lot.name }}{% if lot.number %} ({{ lot.number }}){% endif %}: {{ lot.expires }}{% endfor %}",
            "",
        ),
    },
}
for _message_type, _wordings in _MORE_LANGUAGES.items():
    DEFAULTS[_message_type].update(_wordings)


def default_for(message_type: str, language: str) -> tuple[str, str, str]:
    by_language = DEFAULTS[message_type]
    return by_language.get(language) or by_language[FALLBACK_LANGUAGE]


# Every message type ships in the same languages, so the first one's say which those are.
LANGUAGES: list[str] = sorted(DEFAULTS["appointment_booked"])
