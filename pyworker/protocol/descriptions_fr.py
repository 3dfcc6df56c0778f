"""French description of each catalogue command, keyed by command name.

Served next to the English ``description`` (as ``description_fr``) so the Node-RED editor shows
French users what a command does, and likewise for the setters whose argument carries a
description, and the labels of the warnings and faults (QPIWS) a dashboard shows. Data only: a
test checks that every command, argument description and QPIWS field has an entry here.
"""

from collections.abc import Mapping
from types import MappingProxyType

DESCRIPTIONS_FR: Mapping[str, str] = MappingProxyType(
    {
        "QPI": "Identifiant du protocole de l'appareil",
        "QID": "Numéro de série de l'appareil",
        "QVFW": "Version du micrologiciel du processeur principal",
        "QVFW2": "Version du micrologiciel SCC1 (processeur secondaire)",
        "QVFW3": "Version du micrologiciel SCC2",
        "QVFW4": "Version du micrologiciel SCC3",
        "QMN": "Nom du modèle",
        "QGMN": "Numéro de modèle général",
        "QSID": "Numéro de série de l'appareil (forme longue)",
        "QMOD": "Mode de l'appareil",
        "QPIGS": "État général (mesures)",
        "QPIGS2": "État général, PV2",
        "QPIRI": "Caractéristiques nominales et réglages actuels",
        "QFLAG": "État des options (drapeaux) de l'appareil",
        "QPIWS": "Avertissements et défauts de l'appareil",
        "QDI": "Valeurs de réglage par défaut",
        "QMCHGCR": "Courants de charge max. possibles",
        "QMUCHGCR": "Courants de charge max. possibles depuis le réseau (AC)",
        "QMSCHGCR": "Courants de charge solaire max. possibles",
        "QBOOT": "Le DSP a un chargeur d'amorçage",
        "QOPM": "Mode de sortie",
        "QCST": "Étape de charge",
        "QCVT": "Durée de charge à tension constante (C.V.)",
        "Q1": "État supplémentaire (non documenté)",
        "QPGS": "État de l'unité parallèle n",
        "QBMS": "Informations du BMS de la batterie",
        "QT": "Heure de l'appareil",
        "QET": "Énergie PV produite au total",
        "QEY": "Énergie PV produite sur une année",
        "QEM": "Énergie PV produite sur un mois",
        "QED": "Énergie PV produite sur un jour",
        "QLT": "Énergie fournie à la charge au total",
        "QLY": "Énergie fournie à la charge sur une année",
        "QLM": "Énergie fournie à la charge sur un mois",
        "QLD": "Énergie fournie à la charge sur un jour",
        "QBEQI": "Informations d'égalisation de la batterie",
        "QOPPT": "Priorité de la source de sortie par heure",
        "QCHPT": "Priorité de la source de charge par heure",
        "QLED": "Réglages de la LED RVB",
        "ENERGY": (
            "Totaux d'énergie en kWh pour le tableau Énergie (tous intégrés par le worker à partir "
            "de QPIGS) ; répondu par le worker, conservés à ses redémarrages"
        ),
        "POP": "Régler la priorité de la source de sortie",
        "PCP": "Régler la priorité de la source de charge",
        "PPCP": "Régler la priorité de charge de l'unité parallèle m (m + 00..03)",
        "POPM": (
            "Régler le mode de sortie de l'unité parallèle m "
            "(m + 0..4 : seule, parallèle, phase 1-3 sur 3)"
        ),
        "POPLG": "Régler la logique de fonctionnement",
        "PBCV": "Régler la tension de retour au réseau de la batterie (priorité SBU)",
        "PBDV": "Régler la tension de retour sur batterie ; 0 = batterie pleine",
        "PBFT": "Régler la tension de charge d'entretien (floating)",
        "PCVV": "Régler la tension de charge C.V. (absorption)",
        "PSDV": "Régler la tension de coupure de la batterie",
        "MCHGC": "Régler le courant de charge max. (seulement les valeurs de QMCHGCR)",
        "MNCHGC": "Régler un courant de charge max. au-delà de 100 A pour l'unité parallèle m",
        "MUCHGC": "Régler le courant max. de charge réseau (seulement les valeurs de QMUCHGCR)",
        "MSCHGC": "Régler le courant max. de charge solaire (seulement les valeurs de QMSCHGCR)",
        "PBT": "Régler le type de batterie",
        "PGR": "Régler la plage de tension réseau acceptée",
        "F": "Régler la fréquence de sortie (F50 / F60)",
        "PE": "Activer des options QFLAG",
        "PD": "Désactiver des options QFLAG",
        "PF": "Remettre tous les réglages d'usine",
        "PCST": "Régler l'étape de charge",
        "PCVT": "Régler la durée de l'étape C.V. (minutes, 000..255)",
        "PPVOKC": "Régler la condition PV OK",
        "PSPB": "Régler l'équilibrage de puissance PV",
        "PBATCD": "Commande décharge / veille / charge de la batterie (abc, 0/1 chacun)",
        "DAT": "Régler l'horloge de l'appareil",
        "PBATMAXDISC": "Régler le courant de décharge max. de la batterie (0 = désactivé)",
        "BTA": "Étalonnage de la tension batterie par pas de 0,05 V (-09..+09)",
        "PSAVE": "Enregistrer les réglages en EEPROM",
    }
)


ARG_DESCRIPTIONS_FR: Mapping[str, str] = MappingProxyType(
    {
        "PE": "lettres ou noms d'options QFLAG, ex. 'a', 'buzzer', ['x', 'y'], {'buzzer': True}",
        "PD": "lettres ou noms d'options QFLAG, ex. 'a', 'buzzer', ['x', 'y'], {'buzzer': True}",
        "PBATCD": "3 chiffres 0/1 : décharge coupée, décharge coupée mais veille, charge",
        "DAT": "AAAAMMJJHHMMSS (certains micrologiciels AAMMJJHHMMSS), une date et une heure valides",
        "BTA": "+0n ou -0n (n = 0..9)",
    }
)


FIELD_LABELS_FR: Mapping[str, str] = MappingProxyType(
    {
        "reserved_0": "Réservé 0",
        "inverter_fault": "Défaut onduleur",
        "bus_over_fault": "Défaut bus trop haut",
        "bus_under_fault": "Défaut bus trop bas",
        "bus_soft_fail_fault": "Défaut démarrage progressif du bus",
        "line_fail_warning": "Alerte perte du réseau",
        "opv_short_warning": "Alerte court-circuit de sortie",
        "inverter_voltage_too_low_fault": "Défaut tension onduleur trop basse",
        "inverter_voltage_too_high_fault": "Défaut tension onduleur trop haute",
        "over_temperature_fault": "Défaut surchauffe",
        "fan_locked_fault": "Défaut ventilateur bloqué",
        "battery_voltage_too_high_fault": "Défaut tension batterie trop haute",
        "battery_low_alarm_warning": "Alerte batterie faible",
        "reserved_13": "Réservé 13",
        "battery_under_shutdown_warning": "Alerte batterie sous le seuil de coupure",
        "reserved_15": "Réservé 15",
        "overload_fault": "Défaut surcharge",
        "eeprom_fault": "Défaut EEPROM",
        "inverter_over_current_fault": "Défaut surintensité onduleur",
        "inverter_soft_fail_fault": "Défaut démarrage progressif onduleur",
        "self_test_fail_fault": "Défaut autotest",
        "op_dc_voltage_over_fault": "Défaut tension continue en sortie",
        "battery_open_fault": "Défaut batterie déconnectée",
        "current_sensor_fail_fault": "Défaut capteur de courant",
        "battery_short_fault": "Défaut court-circuit batterie",
        "power_limit_warning": "Alerte limitation de puissance",
        "pv_voltage_high_warning": "Alerte tension PV trop haute",
        "mppt_overload_fault": "Défaut surcharge MPPT",
        "mppt_overload_warning": "Alerte surcharge MPPT",
        "battery_too_low_to_charge_warning": "Alerte batterie trop faible pour charger",
        "reserved_30": "Réservé 30",
        "reserved_31": "Réservé 31",
        "reserved_32": "Réservé 32",
        "reserved_33": "Réservé 33",
        "reserved_34": "Réservé 34",
        "reserved_35": "Réservé 35",
        "pv_loss_warning": "Alerte perte PV",
        "battery_derating_warning": "Alerte batterie en limitation",
        "battery_weak_31": "Batterie faible 31",
        "battery_weak_32": "Batterie faible 32",
        "battery_weak_33": "Batterie faible 33",
        "battery_equalisation_warning": "Alerte égalisation batterie",
    }
)
