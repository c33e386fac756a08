"""Names the FIT profile shipped with fitparse 1.2 (2020) does not know yet.

Manufacturer ids added to the Garmin FIT SDK profile after fitparse's copy, as listed in
the ``manufacturer`` type of FIT SDK 21.x (the same values appear in fitdecode's profile).
Only ids, never behaviour: a newer watch brand shows by name instead of a bare number.
"""

NEWER_MANUFACTURERS: dict[int, str] = {
    41: "shimano", 125: "nci_technology", 126: "iqsquare", 127: "leomo", 128: "ifit_com",
    129: "coros_byte", 130: "versa_design", 131: "chileaf", 132: "cycplus", 133: "gravaa_byte",
    134: "sigeyi", 135: "coospo", 136: "geoid", 137: "bosch", 138: "kyto", 139: "kinetic_sports",
    140: "decathlon_byte", 141: "tq_systems", 142: "tag_heuer", 143: "keiser_fitness",
    144: "zwift_byte", 145: "porsche_ep", 146: "blackbird", 147: "meilan_byte", 148: "ezon",
    149: "laisi", 150: "myzone", 151: "abawo", 152: "bafang", 153: "luhong_technology",
    294: "coros", 295: "virtugo", 296: "velosense", 297: "cycligentinc", 298: "trailforks",
    299: "mahle_ebikemotion", 300: "nurvv", 301: "microprogram", 302: "zone5cloud",
    303: "greenteg", 304: "yamaha_motors", 305: "whoop", 306: "gravaa", 307: "onelap",
    308: "monark_exercise", 309: "form", 310: "decathlon", 311: "syncros", 312: "heatup",
    313: "cannondale", 314: "true_fitness", 315: "rgt_cycling", 316: "vasa",
    317: "race_republic", 318: "fazua", 319: "oreka_training", 320: "lsec",
    321: "lululemon_studio", 322: "shanyue", 323: "spinning_mda", 324: "hilldating",
    325: "aero_sensor", 326: "nike", 327: "magicshine", 328: "ictrainer",
    329: "absolute_cycling", 330: "eo_swimbetter", 331: "mywhoosh", 332: "ravemen",
    333: "tektro_racing_products", 334: "darad_innovation_corporation", 335: "cycloptim",
}


def manufacturer_name(value: object) -> object:
    """Map a bare manufacturer number (int, float or digit string) to a newer profile name."""
    try:
        number = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
    return NEWER_MANUFACTURERS.get(number, str(number))
