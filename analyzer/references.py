"""The published sources behind every formula, threshold and flag, cited in full.

A flag's ``source`` column, the report's "how to read this" section and the documentation
all take their citations from here, so a reader never meets a reference to a file they do
not have. DOIs and addresses are given where they are known.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """One published source.

    Attributes
    ----------
    key : str
        Short id used in code (``"frandsen2025"``).
    short : str
        How it is cited in a sentence (``"Frandsen et al. 2025"``).
    citation : str
        Authors, year, title, journal.
    link : str
        ``https://doi.org/…`` or a web address; empty when none is known.
    """

    key: str
    short: str
    citation: str
    link: str = ""

    def full(self) -> str:
        """The citation with its link, as one line."""
        return f"{self.citation} {self.link}".strip()


_ALL = [
    Reference("adams2014", "Adams et al. 2014",
              "Adams WM, Ferraro EM, Huggins RA, Casa DJ 2014. Influence of body mass loss on changes in heart rate "
              "during exercise in the heat: a systematic review. J Strength Cond Res 28:2380–2389."),
    Reference("alduchov1996", "Alduchov & Eskridge 1996",
              "Alduchov OA, Eskridge RE 1996. Improved Magnus form approximation of saturation vapor pressure. "
              "J Appl Meteorol 35:601–609.",
              "https://doi.org/10.1175/1520-0450(1996)035<0601:IMFAOS>2.0.CO;2"),
    Reference("almond2005", "Almond et al. 2005",
              "Almond CSD et al. 2005. Hyponatremia among runners in the Boston Marathon. N Engl J Med 352:1550–1556.",
              "https://doi.org/10.1056/NEJMoa043901"),
    Reference("armstrong1996", "Armstrong et al. 1996 (ACSM)",
              "Armstrong LE et al. 1996. American College of Sports Medicine position stand: heat and cold illnesses "
              "during distance running. Med Sci Sports Exerc 28(12):i–x."),
    Reference("baker2017", "Baker 2017",
              "Baker LB 2017. Sweating rate and sweat sodium concentration in athletes: a review of methodology and "
              "intra/interindividual variability. Sports Med 47(Suppl 1):111–128.",
              "https://doi.org/10.1007/s40279-017-0691-5"),
    Reference("banister1991", "Banister 1991",
              "Banister EW 1991. Modeling elite athletic performance. In: MacDougall JD, Wenger HA, Green HJ (eds), "
              "Physiological Testing of the High-Performance Athlete. Human Kinetics."),
    Reference("bom_wbgt", "Australian Bureau of Meteorology",
              "Australian Bureau of Meteorology. Thermal comfort observations: the approximation of the wet bulb "
              "globe temperature from air temperature and humidity.",
              "http://www.bom.gov.au/info/thermal_stress/"),
    Reference("daanen2018", "Daanen et al. 2018",
              "Daanen HAM, Racinais S, Périard JD 2018. Heat acclimation decay and re-induction: a systematic review "
              "and meta-analysis. Sports Med 48:409–430.",
              "https://doi.org/10.1007/s40279-017-0808-x"),
    Reference("frandsen2025", "Frandsen et al. 2025",
              "Frandsen JSB et al. 2025. How much running is too much? Identifying high-risk running sessions in a "
              "5200-person cohort study. Br J Sports Med 59:1203–1210.",
              "https://doi.org/10.1136/bjsports-2024-109380"),
    Reference("friel", "Friel (TrainingPeaks)",
              "Friel J. Are you fit? All about aerobic endurance and decoupling. TrainingPeaks blog.",
              "https://www.trainingpeaks.com/blog/aerobic-endurance-and-decoupling/"),
    Reference("gabbett2016", "Gabbett 2016",
              "Gabbett TJ 2016. The training–injury prevention paradox: should athletes be training smarter and "
              "harder? Br J Sports Med 50:273–280.",
              "https://doi.org/10.1136/bjsports-2015-095788"),
    Reference("garrison2012", "Garrison et al. 2012",
              "Garrison SR, Dormuth CR, Morrow RL, Carney GA, Khan KM 2012. Nocturnal leg cramps and prescription use "
              "that precedes them: a sequence symmetry analysis. Arch Intern Med 172:120–126.",
              "https://doi.org/10.1001/archinternmed.2011.1029"),
    Reference("gps_gov", "GPS.gov",
              "U.S. Space Force / National Coordination Office for Space-Based PNT. GPS accuracy.",
              "https://www.gps.gov/systems/gps/performance/accuracy/"),
    Reference("graubner2011", "Graubner & Nixdorf 2011",
              "Graubner R, Nixdorf E 2011. Biomechanical analysis of the sprint and hurdles events at the 2009 IAAF "
              "World Championships in Athletics. New Studies in Athletics 26(1/2):19–53."),
    Reference("goulet2013", "Goulet 2011, 2013",
              "Goulet EDB 2011. Effect of exercise-induced dehydration on time-trial exercise performance: a "
              "meta-analysis. Br J Sports Med 45:1149–1156; Goulet EDB 2013. Effect of exercise-induced dehydration "
              "on endurance performance. Br J Sports Med 47:679–686."),
    Reference("hersbach2020", "Hersbach et al. 2020",
              "Hersbach H et al. 2020. The ERA5 global reanalysis. Q J R Meteorol Soc 146:1999–2049; with "
              "Muñoz-Sabater J et al. 2021. ERA5-Land: a state-of-the-art global reanalysis dataset for land "
              "applications. Earth Syst Sci Data 13:4349–4383.",
              "https://doi.org/10.1002/qj.3803"),
    Reference("hogan2016", "Hogan & Hirahara 2016",
              "Hogan RJ, Hirahara S 2016. Effect of solar zenith angle specification in models on mean shortwave "
              "fluxes and stratospheric temperatures. Geophys Res Lett 43:482–488.",
              "https://doi.org/10.1002/2015GL066868"),
    Reference("impellizzeri2020", "Impellizzeri et al. 2020",
              "Impellizzeri FM et al. 2020. Acute:chronic workload ratio: conceptual issues and fundamental pitfalls. "
              "Int J Sports Physiol Perform 15:907–913."),
    Reference("kong2022", "Kong & Huber 2022",
              "Kong Q, Huber M 2022. Explicit calculations of wet-bulb globe temperature compared with approximations "
              "and why it matters for labor productivity. Earth's Future 10:e2021EF002334.",
              "https://doi.org/10.1029/2021EF002334"),
    Reference("liljegren2008", "Liljegren et al. 2008",
              "Liljegren JC, Carhart RA, Lawday P, Tschopp S, Sharp R 2008. Modeling the wet bulb globe temperature "
              "using standard meteorological measurements. J Occup Environ Hyg 5:645–655.",
              "https://doi.org/10.1080/15459620802310770"),
    Reference("lolli2019", "Lolli et al. 2019",
              "Lolli L et al. 2019. Mathematical coupling causes spurious correlation within the conventional "
              "acute-to-chronic workload ratio calculations. Br J Sports Med 53:921–922."),
    Reference("martinez2022", "Martínez-Navarro et al. 2022",
              "Martínez-Navarro I et al. 2022. Muscle cramping in the marathon: dehydration and electrolyte "
              "depletion vs. muscle damage. J Strength Cond Res 36:1629–1635."),
    Reference("miller2022", "Miller et al. 2022",
              "Miller KC, McDermott BP, Yeargin SW, Fiol A, Schwellnus MP 2022. An evidence-based review of the "
              "pathophysiology, treatment, and prevention of exercise-associated muscle cramps. J Athl Train 57:5–15."),
    Reference("minetti2002", "Minetti et al. 2002",
              "Minetti AE, Moia C, Roi GS, Susta D, Ferretti G 2002. Energy cost of walking and running at extreme "
              "uphill and downhill slopes. J Appl Physiol 93:1039–1046.",
              "https://doi.org/10.1152/japplphysiol.01177.2001"),
    Reference("morton1990", "Morton et al. 1990",
              "Morton RH, Fitz-Clarke JR, Banister EW 1990. Modeling human performance in running. "
              "J Appl Physiol 69:1171–1177."),
    Reference("nws_heat_index", "NWS heat index",
              "NWS Weather Prediction Center. The Heat Index Equation (Rothfusz LP 1990, NWS Southern Region "
              "Technical Attachment SR 90-23, a regression of Steadman RG 1979, J Appl Meteorol 18:861–873).",
              "https://www.wpc.ncep.noaa.gov/html/heatindex_equation.shtml"),
    Reference("open_meteo", "Open-Meteo historical weather API",
              "Zippenfenig P. Open-Meteo.com Weather API: Historical Weather API (ERA5 and ERA5-Land, "
              "models=era5_seamless). Data licence CC BY 4.0.",
              "https://open-meteo.com/en/docs/historical-weather-api"),
    Reference("periard2015", "Périard et al. 2015",
              "Périard JD, Racinais S, Sawka MN 2015. Adaptations and mechanisms of human heat acclimation: "
              "applications for competitive athletes and sports. Scand J Med Sci Sports 25(Suppl 1):20–38.",
              "https://doi.org/10.1111/sms.12408"),
    Reference("sawka2007", "Sawka et al. 2007 (ACSM)",
              "Sawka MN et al. 2007. American College of Sports Medicine position stand: exercise and fluid "
              "replacement. Med Sci Sports Exerc 39:377–390.",
              "https://doi.org/10.1249/mss.0b013e31802ca597"),
    Reference("spencer1971", "Spencer 1971",
              "Spencer JW 1971. Fourier series representation of the position of the sun. Search 2(5):172."),
    Reference("schwellnus2011a", "Schwellnus et al. 2011a",
              "Schwellnus MP, Drew N, Collins M 2011. Increased running speed and previous cramps rather than "
              "dehydration or serum sodium changes predict exercise-associated muscle cramping: a prospective "
              "cohort study in 210 Ironman triathletes. Br J Sports Med 45:650–656.",
              "https://doi.org/10.1136/bjsm.2010.078535"),
    Reference("schwellnus2011b", "Schwellnus et al. 2011b",
              "Schwellnus MP, Drew N, Collins M 2011. Increased running speed and pre-race muscle damage as risk "
              "factors for exercise-associated muscle cramps in a 56 km ultra-marathon. Br J Sports Med 45:1132–1136."),
]

REFERENCES: dict[str, Reference] = {r.key: r for r in _ALL}
"""Every reference by key."""


def cite(*keys: str) -> str:
    """Full citations of ``keys`` joined with "; " (for a flag's ``source`` cell).

    Examples
    --------
    >>> cite("friel")[:8]
    'Friel J.'
    """
    return "; ".join(REFERENCES[k].full() for k in keys)
