"""Reference data: the organisation's regional groups and its 193 member states.

The forum is for the member states of WIPO's Committee on Development and
Intellectual Property (CDIP), which is open to every WIPO member state. This
module holds the data only; names shown to readers come from the message
catalogs (groups) and from pycountry (states), see ``forum.members.service``.

Sources and method (as of 2024-2025):

* Membership: WIPO's own member-state list (193 states, unchanged since
  2019) and the status of the WIPO Convention. WIPO membership is not UN
  membership. The Holy See (VAT), the Cook Islands (COK, member since 2016)
  and Niue (NIU) are WIPO members but not UN members; three UN members have
  not joined WIPO: the Federated States of Micronesia (FSM), Palau (PLW) and
  South Sudan (SSD). Palestine is an observer, not a member, and is absent.
  Of the UN members that were outside WIPO in 2016, Timor-Leste is now a
  member; the Marshall Islands, Nauru and Solomon Islands are included
  because the count only reaches 193 with them (the per-state accession
  dates were not double-checked against WIPO Lex).
* Groups: the informal regional groups as they work in the WIPO General
  Assembly and the CDIP, reconstructed from WIPO meeting reports, statements
  made on behalf of the groups, national IP offices' reports and the group
  sizes published in a 2017 group proposal. They are not the UN regional
  groups. Notable differences: China is a group of its own; Group B (the
  industrialised countries) takes in Cyprus, Israel, Japan, Türkiye,
  Australia, New Zealand and the Holy See; the Asia and the Pacific Group
  takes in the Arab states of Asia; Georgia sits in CEBS (it coordinated
  CEBS in 2021).
* Recent moves: Ukraine, previously in no group, became a full member of
  CEBS on 14 March 2022. The Republic of Moldova, historically counted with
  CACEEC, has spoken on behalf of CEBS at the CDIP (2024) and is therefore
  listed in CEBS; this is the least certain assignment in the file.
* No state is left without a group. Should a state turn out to sit outside
  every group, it belongs with the geographically closest one, with a
  comment saying so.

Codes are ISO 3166-1 alpha-3 exactly as pycountry spells them.

Group sizes: AFRICAN 53, ASPAC 46, CEBS 19, GRULAC 33, B 32, CACEEC 9,
CHINA 1 (total 193).
"""

# (code, English name), in display order.
# The English names are also in the message catalogs for translation.
REGIONAL_GROUPS = (
    ("AFRICAN", "African Group"),
    ("ASPAC", "Asia and the Pacific Group"),
    ("CEBS", "Central European and Baltic States"),
    ("GRULAC", "Group of Latin American and Caribbean Countries"),
    ("B", "Group B"),
    ("CACEEC", "Central Asian, Caucasus and Eastern European Countries"),
    ("CHINA", "China"),
)

# (ISO 3166-1 alpha-3, regional group code), sorted by code.
# The trailing comments give pycountry's English name for easier review.
MEMBER_STATES = (
    ("AFG", "ASPAC"),  # Afghanistan
    ("AGO", "AFRICAN"),  # Angola
    ("ALB", "CEBS"),  # Albania
    ("AND", "B"),  # Andorra
    ("ARE", "ASPAC"),  # United Arab Emirates
    ("ARG", "GRULAC"),  # Argentina
    ("ARM", "CACEEC"),  # Armenia
    ("ATG", "GRULAC"),  # Antigua and Barbuda
    ("AUS", "B"),  # Australia
    ("AUT", "B"),  # Austria
    ("AZE", "CACEEC"),  # Azerbaijan
    ("BDI", "AFRICAN"),  # Burundi
    ("BEL", "B"),  # Belgium
    ("BEN", "AFRICAN"),  # Benin
    ("BFA", "AFRICAN"),  # Burkina Faso
    ("BGD", "ASPAC"),  # Bangladesh
    ("BGR", "CEBS"),  # Bulgaria
    ("BHR", "ASPAC"),  # Bahrain
    ("BHS", "GRULAC"),  # Bahamas
    ("BIH", "CEBS"),  # Bosnia and Herzegovina
    ("BLR", "CACEEC"),  # Belarus
    ("BLZ", "GRULAC"),  # Belize
    ("BOL", "GRULAC"),  # Bolivia, Plurinational State of
    ("BRA", "GRULAC"),  # Brazil
    ("BRB", "GRULAC"),  # Barbados
    ("BRN", "ASPAC"),  # Brunei Darussalam
    ("BTN", "ASPAC"),  # Bhutan
    ("BWA", "AFRICAN"),  # Botswana
    ("CAF", "AFRICAN"),  # Central African Republic
    ("CAN", "B"),  # Canada
    ("CHE", "B"),  # Switzerland
    ("CHL", "GRULAC"),  # Chile
    ("CHN", "CHINA"),  # China -- a group of its own
    ("CIV", "AFRICAN"),  # Côte d'Ivoire
    ("CMR", "AFRICAN"),  # Cameroon
    ("COD", "AFRICAN"),  # Congo, The Democratic Republic of the
    ("COG", "AFRICAN"),  # Congo
    ("COK", "ASPAC"),  # Cook Islands -- not a UN member, WIPO member since 2016; Asia-Pacific
    ("COL", "GRULAC"),  # Colombia
    ("COM", "AFRICAN"),  # Comoros
    ("CPV", "AFRICAN"),  # Cabo Verde
    ("CRI", "GRULAC"),  # Costa Rica
    ("CUB", "GRULAC"),  # Cuba
    ("CYP", "B"),  # Cyprus -- Asia-Pacific at the UN, Group B at WIPO
    ("CZE", "CEBS"),  # Czechia
    ("DEU", "B"),  # Germany
    ("DJI", "AFRICAN"),  # Djibouti
    ("DMA", "GRULAC"),  # Dominica
    ("DNK", "B"),  # Denmark
    ("DOM", "GRULAC"),  # Dominican Republic
    ("DZA", "AFRICAN"),  # Algeria
    ("ECU", "GRULAC"),  # Ecuador
    ("EGY", "AFRICAN"),  # Egypt
    ("ERI", "AFRICAN"),  # Eritrea
    ("ESP", "B"),  # Spain
    ("EST", "CEBS"),  # Estonia
    ("ETH", "AFRICAN"),  # Ethiopia
    ("FIN", "B"),  # Finland
    ("FJI", "ASPAC"),  # Fiji
    ("FRA", "B"),  # France
    ("GAB", "AFRICAN"),  # Gabon
    ("GBR", "B"),  # United Kingdom
    ("GEO", "CEBS"),  # Georgia -- CEBS (coordinated CEBS in 2021)
    ("GHA", "AFRICAN"),  # Ghana
    ("GIN", "AFRICAN"),  # Guinea
    ("GMB", "AFRICAN"),  # Gambia
    ("GNB", "AFRICAN"),  # Guinea-Bissau
    ("GNQ", "AFRICAN"),  # Equatorial Guinea
    ("GRC", "B"),  # Greece
    ("GRD", "GRULAC"),  # Grenada
    ("GTM", "GRULAC"),  # Guatemala
    ("GUY", "GRULAC"),  # Guyana
    ("HND", "GRULAC"),  # Honduras
    ("HRV", "CEBS"),  # Croatia
    ("HTI", "GRULAC"),  # Haiti
    ("HUN", "CEBS"),  # Hungary
    ("IDN", "ASPAC"),  # Indonesia
    ("IND", "ASPAC"),  # India
    ("IRL", "B"),  # Ireland
    ("IRN", "ASPAC"),  # Iran, Islamic Republic of
    ("IRQ", "ASPAC"),  # Iraq
    ("ISL", "B"),  # Iceland
    ("ISR", "B"),  # Israel -- Group B at WIPO
    ("ITA", "B"),  # Italy
    ("JAM", "GRULAC"),  # Jamaica
    ("JOR", "ASPAC"),  # Jordan
    ("JPN", "B"),  # Japan
    ("KAZ", "CACEEC"),  # Kazakhstan
    ("KEN", "AFRICAN"),  # Kenya
    ("KGZ", "CACEEC"),  # Kyrgyzstan
    ("KHM", "ASPAC"),  # Cambodia
    ("KIR", "ASPAC"),  # Kiribati
    ("KNA", "GRULAC"),  # Saint Kitts and Nevis
    ("KOR", "ASPAC"),  # Korea, Republic of
    ("KWT", "ASPAC"),  # Kuwait
    ("LAO", "ASPAC"),  # Lao People's Democratic Republic
    ("LBN", "ASPAC"),  # Lebanon
    ("LBR", "AFRICAN"),  # Liberia
    ("LBY", "AFRICAN"),  # Libya
    ("LCA", "GRULAC"),  # Saint Lucia
    ("LIE", "B"),  # Liechtenstein
    ("LKA", "ASPAC"),  # Sri Lanka
    ("LSO", "AFRICAN"),  # Lesotho
    ("LTU", "CEBS"),  # Lithuania
    ("LUX", "B"),  # Luxembourg
    ("LVA", "CEBS"),  # Latvia
    ("MAR", "AFRICAN"),  # Morocco
    ("MCO", "B"),  # Monaco
    ("MDA", "CEBS"),  # Moldova, Republic of -- CEBS in current practice; see docstring
    ("MDG", "AFRICAN"),  # Madagascar
    ("MDV", "ASPAC"),  # Maldives
    ("MEX", "GRULAC"),  # Mexico
    ("MHL", "ASPAC"),  # Marshall Islands -- joined WIPO after 2016 (see docstring)
    ("MKD", "CEBS"),  # North Macedonia
    ("MLI", "AFRICAN"),  # Mali
    ("MLT", "B"),  # Malta
    ("MMR", "ASPAC"),  # Myanmar
    ("MNE", "CEBS"),  # Montenegro
    ("MNG", "ASPAC"),  # Mongolia
    ("MOZ", "AFRICAN"),  # Mozambique
    ("MRT", "AFRICAN"),  # Mauritania
    ("MUS", "AFRICAN"),  # Mauritius
    ("MWI", "AFRICAN"),  # Malawi
    ("MYS", "ASPAC"),  # Malaysia
    ("NAM", "AFRICAN"),  # Namibia
    ("NER", "AFRICAN"),  # Niger
    ("NGA", "AFRICAN"),  # Nigeria
    ("NIC", "GRULAC"),  # Nicaragua
    ("NIU", "ASPAC"),  # Niue -- not a UN member, WIPO member; Asia-Pacific
    ("NLD", "B"),  # Netherlands
    ("NOR", "B"),  # Norway
    ("NPL", "ASPAC"),  # Nepal
    ("NRU", "ASPAC"),  # Nauru -- joined WIPO after 2016 (see docstring)
    ("NZL", "B"),  # New Zealand
    ("OMN", "ASPAC"),  # Oman
    ("PAK", "ASPAC"),  # Pakistan
    ("PAN", "GRULAC"),  # Panama
    ("PER", "GRULAC"),  # Peru
    ("PHL", "ASPAC"),  # Philippines
    ("PNG", "ASPAC"),  # Papua New Guinea
    ("POL", "CEBS"),  # Poland
    ("PRK", "ASPAC"),  # Korea, Democratic People's Republic of
    ("PRT", "B"),  # Portugal
    ("PRY", "GRULAC"),  # Paraguay
    ("QAT", "ASPAC"),  # Qatar
    ("ROU", "CEBS"),  # Romania
    ("RUS", "CACEEC"),  # Russian Federation
    ("RWA", "AFRICAN"),  # Rwanda
    ("SAU", "ASPAC"),  # Saudi Arabia
    ("SDN", "AFRICAN"),  # Sudan
    ("SEN", "AFRICAN"),  # Senegal
    ("SGP", "ASPAC"),  # Singapore
    ("SLB", "ASPAC"),  # Solomon Islands -- joined WIPO after 2016 (see docstring)
    ("SLE", "AFRICAN"),  # Sierra Leone
    ("SLV", "GRULAC"),  # El Salvador
    ("SMR", "B"),  # San Marino
    ("SOM", "AFRICAN"),  # Somalia
    ("SRB", "CEBS"),  # Serbia
    ("STP", "AFRICAN"),  # Sao Tome and Principe
    ("SUR", "GRULAC"),  # Suriname
    ("SVK", "CEBS"),  # Slovakia
    ("SVN", "CEBS"),  # Slovenia
    ("SWE", "B"),  # Sweden
    ("SWZ", "AFRICAN"),  # Eswatini
    ("SYC", "AFRICAN"),  # Seychelles
    ("SYR", "ASPAC"),  # Syrian Arab Republic
    ("TCD", "AFRICAN"),  # Chad
    ("TGO", "AFRICAN"),  # Togo
    ("THA", "ASPAC"),  # Thailand
    ("TJK", "CACEEC"),  # Tajikistan
    ("TKM", "CACEEC"),  # Turkmenistan
    ("TLS", "ASPAC"),  # Timor-Leste -- joined WIPO after 2016
    ("TON", "ASPAC"),  # Tonga
    ("TTO", "GRULAC"),  # Trinidad and Tobago
    ("TUN", "AFRICAN"),  # Tunisia
    ("TUR", "B"),  # Türkiye -- Group B at WIPO
    ("TUV", "ASPAC"),  # Tuvalu
    ("TZA", "AFRICAN"),  # Tanzania, United Republic of
    ("UGA", "AFRICAN"),  # Uganda
    ("UKR", "CEBS"),  # Ukraine -- full CEBS member since 14 March 2022 (previously no group)
    ("URY", "GRULAC"),  # Uruguay
    ("USA", "B"),  # United States
    ("UZB", "CACEEC"),  # Uzbekistan
    ("VAT", "B"),  # Holy See (Vatican City State) -- not a UN member
    ("VCT", "GRULAC"),  # Saint Vincent and the Grenadines
    ("VEN", "GRULAC"),  # Venezuela, Bolivarian Republic of
    ("VNM", "ASPAC"),  # Viet Nam
    ("VUT", "ASPAC"),  # Vanuatu
    ("WSM", "ASPAC"),  # Samoa
    ("YEM", "ASPAC"),  # Yemen
    ("ZAF", "AFRICAN"),  # South Africa
    ("ZMB", "AFRICAN"),  # Zambia
    ("ZWE", "AFRICAN"),  # Zimbabwe
)
