"""Reference data: the default content languages and the six categories of CDIP/21/4.

Category names come in the six interface languages (en, fr, es, ar, zh, ru).

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
            "en": (
                "National IP strategies and development plans",
                "Designing and carrying out national IP strategies aligned with development plans.",
            ),
            "fr": (
                "Stratégies nationales de PI et plans de développement",
                "Concevoir et mettre en œuvre des stratégies nationales de PI alignées sur les plans de développement.",
            ),
            "es": (
                "Estrategias nacionales de PI y planes de desarrollo",
                "Diseño y ejecución de estrategias nacionales de PI en consonancia con los planes de desarrollo.",
            ),
            "ar": (
                "الاستراتيجيات الوطنية للملكية الفكرية وخطط التنمية",
                "تصميم وتنفيذ استراتيجيات وطنية للملكية الفكرية متوائمة مع خطط التنمية.",
            ),
            "zh": ("国家知识产权战略和发展计划", "制定和实施与发展计划相一致的国家知识产权战略。"),
            "ru": (
                "Национальные стратегии в области ИС и планы развития",
                "Разработка и реализация национальных стратегий в области ИС, согласованных с планами развития.",
            ),
        },
    ),
    (
        "infrastructure",
        {
            "en": (
                "Technical and administrative infrastructure",
                "IP office automation, databases, business processes and access to information.",
            ),
            "fr": (
                "Infrastructure technique et administrative",
                "Automatisation des offices de PI, bases de données, procédures et accès à l'information.",
            ),
            "es": (
                "Infraestructura técnica y administrativa",
                "Automatización de las oficinas de PI, bases de datos, procedimientos y acceso a la información.",
            ),
            "ar": (
                "البنية التحتية التقنية والإدارية",
                "أتمتة مكاتب الملكية الفكرية وقواعد البيانات والإجراءات والنفاذ إلى المعلومات.",
            ),
            "zh": ("技术和行政基础设施", "知识产权局自动化、数据库、业务流程和信息获取。"),
            "ru": (
                "Техническая и административная инфраструктура",
                "Автоматизация ведомств ИС, базы данных, рабочие процессы и доступ к информации.",
            ),
        },
    ),
    (
        "capacity",
        {
            "en": (
                "Capacity building",
                "Training, skills development and institution building for IP professionals and users.",
            ),
            "fr": (
                "Renforcement des capacités",
                "Formation, développement des compétences et renforcement institutionnel pour les professionnels et usagers de la PI.",
            ),
            "es": (
                "Fortalecimiento de capacidades",
                "Formación, desarrollo de competencias y fortalecimiento institucional para profesionales y usuarios de la PI.",
            ),
            "ar": (
                "تكوين الكفاءات",
                "التدريب وتنمية المهارات وبناء المؤسسات لفائدة المهنيين في مجال الملكية الفكرية ومستخدميها.",
            ),
            "zh": ("能力建设", "面向知识产权专业人员和用户的培训、技能发展和机构建设。"),
            "ru": (
                "Укрепление потенциала",
                "Обучение, развитие навыков и институциональное строительство для специалистов и пользователей ИС.",
            ),
        },
    ),
    (
        "legislative",
        {
            "en": (
                "Legislative assistance",
                "Advice on drafting and reviewing IP laws and regulations, including flexibilities.",
            ),
            "fr": (
                "Assistance législative",
                "Conseils pour rédiger et réviser les lois et règlements de PI, y compris les éléments de flexibilité.",
            ),
            "es": (
                "Asistencia legislativa",
                "Asesoramiento para redactar y revisar leyes y reglamentos de PI, incluidas las flexibilidades.",
            ),
            "ar": (
                "المساعدة التشريعية",
                "المشورة بشأن صياغة قوانين الملكية الفكرية ولوائحها ومراجعتها، بما في ذلك أوجه المرونة.",
            ),
            "zh": ("立法援助", "就起草和审查知识产权法律法规（包括灵活性）提供咨询。"),
            "ru": (
                "Помощь в законодательной сфере",
                "Консультации по разработке и пересмотру законов и подзаконных актов в области ИС, включая гибкие возможности.",
            ),
        },
    ),
    (
        "da-projects",
        {
            "en": (
                "Development Agenda projects",
                "Experience from Development Agenda projects: design, results and lessons learned.",
            ),
            "fr": (
                "Projets du Plan d'action pour le développement",
                "Expériences des projets du Plan d'action pour le développement : conception, résultats et enseignements.",
            ),
            "es": (
                "Proyectos de la Agenda para el Desarrollo",
                "Experiencias de los proyectos de la Agenda para el Desarrollo: diseño, resultados y lecciones aprendidas.",
            ),
            "ar": (
                "مشروعات أجندة التنمية",
                "الخبرات المستمدة من مشروعات أجندة التنمية: التصميم والنتائج والدروس المستفادة.",
            ),
            "zh": ("发展议程项目", "发展议程项目的经验：设计、成果和经验教训。"),
            "ru": (
                "Проекты Повестки дня в области развития",
                "Опыт проектов Повестки дня в области развития: разработка, результаты и извлеченные уроки.",
            ),
        },
    ),
    (
        "partnerships",
        {
            "en": (
                "Public-private partnerships",
                "Partnerships between public institutions and the private sector for development through IP.",
            ),
            "fr": (
                "Partenariats public-privé",
                "Partenariats entre institutions publiques et secteur privé pour le développement par la PI.",
            ),
            "es": (
                "Asociaciones público-privadas",
                "Asociaciones entre instituciones públicas y el sector privado para el desarrollo mediante la PI.",
            ),
            "ar": (
                "الشراكات بين القطاعين العام والخاص",
                "الشراكات بين المؤسسات العامة والقطاع الخاص من أجل التنمية عن طريق الملكية الفكرية.",
            ),
            "zh": ("公私伙伴关系", "公共机构与私营部门之间通过知识产权促进发展的伙伴关系。"),
            "ru": (
                "Государственно-частное партнерство",
                "Партнерства между государственными учреждениями и частным сектором в целях развития с помощью ИС.",
            ),
        },
    ),
)
