"""Reference data: the default content languages and the six categories of CDIP/21/4.

Category names are content, stored in the database per language so that an
administrator can add a language and translate them without a release.
"""

DEFAULT_LANGUAGES = (
    # code, name in itself, direction
    ("en", "English", "ltr"),
    ("fr", "Français", "ltr"),
    ("es", "Español", "ltr"),
)

CATEGORIES = (
    (
        "strategies",
        {
            "en": ("National IP strategies and development plans",
                   "Designing and carrying out national IP strategies aligned with development plans."),
            "fr": ("Stratégies nationales de PI et plans de développement",
                   "Concevoir et mettre en œuvre des stratégies nationales de PI alignées sur les plans de développement."),
            "es": ("Estrategias nacionales de PI y planes de desarrollo",
                   "Diseño y ejecución de estrategias nacionales de PI en consonancia con los planes de desarrollo."),
        },
    ),
    (
        "infrastructure",
        {
            "en": ("Technical and administrative infrastructure",
                   "IP office automation, databases, business processes and access to information."),
            "fr": ("Infrastructure technique et administrative",
                   "Automatisation des offices de PI, bases de données, procédures et accès à l'information."),
            "es": ("Infraestructura técnica y administrativa",
                   "Automatización de las oficinas de PI, bases de datos, procedimientos y acceso a la información."),
        },
    ),
    (
        "capacity",
        {
            "en": ("Capacity building",
                   "Training, skills development and institution building for IP professionals and users."),
            "fr": ("Renforcement des capacités",
                   "Formation, développement des compétences et renforcement institutionnel pour les professionnels et usagers de la PI."),
            "es": ("Fortalecimiento de capacidades",
                   "Formación, desarrollo de competencias y fortalecimiento institucional para profesionales y usuarios de la PI."),
        },
    ),
    (
        "legislative",
        {
            "en": ("Legislative assistance",
                   "Advice on drafting and reviewing IP laws and regulations, including flexibilities."),
            "fr": ("Assistance législative",
                   "Conseils pour rédiger et réviser les lois et règlements de PI, y compris les éléments de flexibilité."),
            "es": ("Asistencia legislativa",
                   "Asesoramiento para redactar y revisar leyes y reglamentos de PI, incluidas las flexibilidades."),
        },
    ),
    (
        "da-projects",
        {
            "en": ("Development Agenda projects",
                   "Experience from Development Agenda projects: design, results and lessons learned."),
            "fr": ("Projets du Plan d'action pour le développement",
                   "Expériences des projets du Plan d'action pour le développement : conception, résultats et enseignements."),
            "es": ("Proyectos de la Agenda para el Desarrollo",
                   "Experiencias de los proyectos de la Agenda para el Desarrollo: diseño, resultados y lecciones aprendidas."),
        },
    ),
    (
        "partnerships",
        {
            "en": ("Public-private partnerships",
                   "Partnerships between public institutions and the private sector for development through IP."),
            "fr": ("Partenariats public-privé",
                   "Partenariats entre institutions publiques et secteur privé pour le développement par la PI."),
            "es": ("Asociaciones público-privadas",
                   "Asociaciones entre instituciones públicas y el sector privado para el desarrollo mediante la PI."),
        },
    ),
)
