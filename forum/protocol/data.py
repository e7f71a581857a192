"""The first version of the usage protocol, shipped with the forum in English, French and Spanish.

Written in the same plain-text format administrators use to publish later
versions (see `service.parse_protocol_text`): a line "# 1. Title" opens each
of the five sections, a line "1.1 Text" opens a clause, and other lines
continue the clause above. Clause numbers are the same in every language,
since moderation cites them.
"""

FIRST_VERSION_NOTE = "First version of the usage protocol."

FIRST_VERSION_TEXTS = {
    "en": """\
# 1. Operation
1.1 This forum is run by the Secretariat of the World Intellectual Property Organization (WIPO) so that the member states of the Committee on Development and Intellectual Property (CDIP) can exchange ideas, practices and experience on technical assistance and capacity building.
1.2 Access is limited to accounts opened by the Secretariat for delegates of member states and for Secretariat staff. An external stakeholder may take part in one discussion only, when a member state has asked for it and the Secretariat has approved the request against this protocol.
1.3 The moderator opens a discussion every week. Participants may propose topics; the moderator decides which are scheduled and publishes the list of topics held, planned and under consideration.
1.4 Each category of technical assistance has a room in English, French and Spanish, and in every other language the forum adds. Language moderators, supervised by the moderator, moderate the rooms of their languages.
1.5 Moderators apply this protocol. Every moderation act cites the clause applied, is recorded in an audit trail and can be reviewed and reversed by the moderator.
1.6 Messages are kept until there is a specific request to delete them. Authors may ask for a message or their account to be removed; each request is recorded and answered.
1.7 This protocol may be revised. Each new version is published with a note on what changed, and participants accept it before they post again.

# 2. Security policy
2.1 Accounts are personal. Do not share your password or let anyone else use your account.
2.2 Choose a password of at least 12 characters that you use nowhere else, and sign out when you use a shared computer.
2.3 Tell the Secretariat at once if you suspect that someone else has used your account.
2.4 Discussions are confidential to their participants. Do not copy, forward or publish messages outside the forum without the consent of their authors.
2.5 Do not post personal data about other people, passwords or access codes, or information that your government or organization treats as confidential.
2.6 Do not try to reach parts of the forum or data you are not authorized to see, to collect data about participants, or to disrupt the forum's operation.
2.7 To protect the forum, moderators may suspend an account, and administrators may deactivate it.

# 3. Content
3.1 Messages must relate to technical assistance and capacity building in intellectual property, and to the topic of the room or discussion in which they are posted.
3.2 Be courteous. Personal attacks, insults, harassment and discriminatory language are not allowed.
3.3 Keep to facts and experience, and keep the discussion neutral. Political statements on matters outside the Committee's mandate are not allowed.
3.4 No advertising, commercial promotion or fundraising, and no repeated, chain or unrelated messages (spam).
3.5 No unlawful content, and no content that infringes the rights of others, including their privacy.
3.6 Write in the language of the room, so that all its participants can follow.
3.7 Messages express the views of their authors. They do not commit their government, their organization, WIPO or its Secretariat unless they say so.
3.8 Content must follow WIPO's guidelines for web content.

# 4. Community rules
4.1 Take part under your own name, for the member state or organization shown on your profile.
4.2 Help the discussion move forward: read earlier messages first, quote only what you answer, and share experience, evaluations and sources.
4.3 If you believe a message breaches this protocol, report it citing the clause concerned, rather than answering it in the discussion.
4.4 Follow the moderators' instructions. To question a moderation decision, write to the moderator rather than in the discussion.
4.5 For a breach of this protocol, moderators may hide a message, warn its author, or suspend the author's account for a period or until further notice. The author is told which clause was applied and why.
4.6 A request to invite an external stakeholder is addressed to the moderator, who assesses it against this protocol before an administrator gives final approval.

# 5. Copyright
5.1 You keep the copyright in what you post. By posting, you allow WIPO and the participants to store, display and reproduce your messages within the forum, and WIPO to quote them in summaries of discussions prepared for the Committee.
5.2 Post only what you have the right to share. Quote the works of others briefly and with their source, and link to documents rather than copying them.
5.3 Documents of WIPO and of member states may be quoted in accordance with their terms of use.
5.4 If you believe a message infringes your rights, report it citing this clause; it may be hidden while the claim is examined.
""",
    "fr": """\
# 1. Fonctionnement
1.1 Ce forum est géré par le Secrétariat de l'Organisation Mondiale de la Propriété Intellectuelle (OMPI) afin que les États membres du Comité du développement et de la propriété intellectuelle (CDIP) puissent échanger idées, pratiques et expériences en matière d'assistance technique et de renforcement des capacités.
1.2 L'accès est réservé aux comptes ouverts par le Secrétariat pour les délégués des États membres et pour le personnel du Secrétariat. Une partie prenante extérieure ne peut participer qu'à une seule discussion, à la demande d'un État membre et après approbation de la demande par le Secrétariat au regard du présent protocole.
1.3 Le modérateur ouvre une discussion chaque semaine. Les participants peuvent proposer des thèmes ; le modérateur décide de ceux qui sont programmés et publie la liste des thèmes traités, prévus et à l'étude.
1.4 Chaque catégorie d'assistance technique dispose d'un salon en anglais, en français et en espagnol, ainsi que dans toute autre langue ajoutée au forum. Les modérateurs linguistiques, placés sous la supervision du modérateur, modèrent les salons de leurs langues.
1.5 Les modérateurs appliquent le présent protocole. Chaque acte de modération cite la clause appliquée, est consigné dans un journal d'audit et peut être examiné et annulé par le modérateur.
1.6 Les messages sont conservés jusqu'à ce qu'une demande précise de suppression soit faite. Les auteurs peuvent demander la suppression d'un message ou de leur compte ; chaque demande est enregistrée et reçoit une réponse.
1.7 Le présent protocole peut être révisé. Chaque nouvelle version est publiée avec une note indiquant les changements, et les participants l'acceptent avant de publier à nouveau.

# 2. Politique de sécurité
2.1 Les comptes sont personnels. Ne communiquez pas votre mot de passe et ne laissez personne d'autre utiliser votre compte.
2.2 Choisissez un mot de passe d'au moins 12 caractères que vous n'utilisez nulle part ailleurs, et déconnectez-vous lorsque vous utilisez un ordinateur partagé.
2.3 Informez immédiatement le Secrétariat si vous soupçonnez qu'une autre personne a utilisé votre compte.
2.4 Les discussions sont confidentielles et réservées à leurs participants. Ne copiez, ne transférez et ne publiez aucun message hors du forum sans le consentement de son auteur.
2.5 Ne publiez pas de données personnelles concernant d'autres personnes, de mots de passe ou de codes d'accès, ni d'informations que votre gouvernement ou votre organisation considère comme confidentielles.
2.6 N'essayez pas d'accéder à des parties du forum ou à des données que vous n'êtes pas autorisé à consulter, de collecter des données sur les participants ou de perturber le fonctionnement du forum.
2.7 Pour protéger le forum, les modérateurs peuvent suspendre un compte et les administrateurs peuvent le désactiver.

# 3. Contenu
3.1 Les messages doivent porter sur l'assistance technique et le renforcement des capacités en matière de propriété intellectuelle, ainsi que sur le thème du salon ou de la discussion où ils sont publiés.
3.2 Restez courtois. Les attaques personnelles, les insultes, le harcèlement et les propos discriminatoires sont interdits.
3.3 Tenez-vous-en aux faits et à l'expérience, et gardez à la discussion un caractère neutre. Les déclarations politiques sur des questions étrangères au mandat du Comité sont interdites.
3.4 Pas de publicité, de promotion commerciale ni d'appel de fonds, et pas de messages répétés, en chaîne ou sans rapport avec le sujet (spam).
3.5 Pas de contenu illicite, ni de contenu portant atteinte aux droits d'autrui, y compris à sa vie privée.
3.6 Écrivez dans la langue du salon, afin que tous ses participants puissent suivre.
3.7 Les messages expriment les vues de leurs auteurs. Ils n'engagent ni leur gouvernement, ni leur organisation, ni l'OMPI ou son Secrétariat, sauf mention contraire.
3.8 Les contenus doivent respecter les lignes directrices de l'OMPI relatives aux contenus web.

# 4. Règles de la communauté
4.1 Participez sous votre propre nom, au titre de l'État membre ou de l'organisation indiqués dans votre profil.
4.2 Aidez la discussion à progresser : lisez d'abord les messages précédents, ne citez que ce à quoi vous répondez, et partagez expériences, évaluations et sources.
4.3 Si vous estimez qu'un message enfreint le présent protocole, signalez-le en citant la clause concernée plutôt que d'y répondre dans la discussion.
4.4 Suivez les instructions des modérateurs. Pour contester une décision de modération, écrivez au modérateur plutôt que dans la discussion.
4.5 En cas de manquement au présent protocole, les modérateurs peuvent masquer un message, adresser un avertissement à son auteur ou suspendre le compte de celui-ci pour une durée déterminée ou jusqu'à nouvel ordre. L'auteur est informé de la clause appliquée et du motif.
4.6 Une demande d'invitation d'une partie prenante extérieure est adressée au modérateur, qui l'évalue au regard du présent protocole avant l'approbation finale d'un administrateur.

# 5. Droit d'auteur
5.1 Vous conservez le droit d'auteur sur ce que vous publiez. En publiant, vous autorisez l'OMPI et les participants à conserver, afficher et reproduire vos messages au sein du forum, et l'OMPI à les citer dans les résumés de discussions établis pour le Comité.
5.2 Ne publiez que ce que vous avez le droit de partager. Citez brièvement les œuvres d'autrui en indiquant leur source, et renvoyez aux documents par un lien plutôt que de les copier.
5.3 Les documents de l'OMPI et des États membres peuvent être cités conformément à leurs conditions d'utilisation.
5.4 Si vous estimez qu'un message porte atteinte à vos droits, signalez-le en citant la présente clause ; il peut être masqué pendant l'examen de la réclamation.
""",
    "es": """\
# 1. Funcionamiento
1.1 Este foro está a cargo de la Secretaría de la Organización Mundial de la Propiedad Intelectual (OMPI) para que los Estados miembros del Comité de Desarrollo y Propiedad Intelectual (CDIP) intercambien ideas, prácticas y experiencias sobre asistencia técnica y fortalecimiento de capacidades.
1.2 El acceso está limitado a las cuentas que la Secretaría abre para los delegados de los Estados miembros y para el personal de la Secretaría. Una parte interesada externa solo puede participar en una discusión, cuando un Estado miembro lo haya solicitado y la Secretaría haya aprobado la solicitud con arreglo al presente protocolo.
1.3 El moderador abre una discusión cada semana. Los participantes pueden proponer temas; el moderador decide cuáles se programan y publica la lista de temas tratados, previstos y en estudio.
1.4 Cada categoría de asistencia técnica tiene una sala en español, francés e inglés, y en cualquier otro idioma que se añada al foro. Los moderadores lingüísticos, bajo la supervisión del moderador, moderan las salas de sus idiomas.
1.5 Los moderadores aplican el presente protocolo. Cada acto de moderación cita la cláusula aplicada, queda registrado en un registro de auditoría y puede ser examinado y revertido por el moderador.
1.6 Los mensajes se conservan hasta que haya una solicitud expresa de eliminarlos. Los autores pueden pedir que se elimine un mensaje o su cuenta; cada solicitud se registra y se responde.
1.7 El presente protocolo puede revisarse. Cada nueva versión se publica con una nota sobre lo que ha cambiado, y los participantes la aceptan antes de volver a publicar.

# 2. Política de seguridad
2.1 Las cuentas son personales. No comparta su contraseña ni permita que otra persona utilice su cuenta.
2.2 Elija una contraseña de al menos 12 caracteres que no utilice en ningún otro sitio, y cierre la sesión cuando use una computadora compartida.
2.3 Informe de inmediato a la Secretaría si sospecha que otra persona ha utilizado su cuenta.
2.4 Las discusiones son confidenciales para sus participantes. No copie, reenvíe ni publique mensajes fuera del foro sin el consentimiento de sus autores.
2.5 No publique datos personales de otras personas, contraseñas o códigos de acceso, ni información que su gobierno u organización considere confidencial.
2.6 No intente acceder a partes del foro o a datos que no esté autorizado a ver, recopilar datos sobre los participantes ni perturbar el funcionamiento del foro.
2.7 Para proteger el foro, los moderadores pueden suspender una cuenta y los administradores pueden desactivarla.

# 3. Contenido
3.1 Los mensajes deben referirse a la asistencia técnica y al fortalecimiento de capacidades en materia de propiedad intelectual, y al tema de la sala o de la discusión en que se publican.
3.2 Sea cortés. No se permiten los ataques personales, los insultos, el acoso ni el lenguaje discriminatorio.
3.3 Aténgase a los hechos y a la experiencia, y mantenga la neutralidad de la discusión. No se permiten declaraciones políticas sobre asuntos ajenos al mandato del Comité.
3.4 No se permite la publicidad, la promoción comercial ni la recaudación de fondos, ni los mensajes repetidos, en cadena o ajenos al tema (spam).
3.5 No se permite el contenido ilícito ni el que vulnere los derechos de otras personas, incluida su privacidad.
3.6 Escriba en el idioma de la sala, para que todos sus participantes puedan seguir la discusión.
3.7 Los mensajes expresan la opinión de sus autores. No comprometen a su gobierno, a su organización, a la OMPI ni a su Secretaría, salvo que así lo indiquen.
3.8 El contenido debe ajustarse a las directrices de la OMPI sobre contenidos web.

# 4. Normas de la comunidad
4.1 Participe con su propio nombre, en nombre del Estado miembro o de la organización que figuran en su perfil.
4.2 Ayude a que la discusión avance: lea primero los mensajes anteriores, cite solo aquello a lo que responde y comparta experiencias, evaluaciones y fuentes.
4.3 Si considera que un mensaje infringe el presente protocolo, denúncielo citando la cláusula correspondiente en lugar de responderlo en la discusión.
4.4 Siga las instrucciones de los moderadores. Para cuestionar una decisión de moderación, escriba al moderador y no en la discusión.
4.5 En caso de infracción del presente protocolo, los moderadores pueden ocultar un mensaje, advertir a su autor o suspender la cuenta de este durante un período o hasta nuevo aviso. Se informa al autor de la cláusula aplicada y del motivo.
4.6 La solicitud de invitar a una parte interesada externa se dirige al moderador, que la evalúa con arreglo al presente protocolo antes de que un administrador dé la aprobación final.

# 5. Derecho de autor
5.1 Usted conserva el derecho de autor sobre lo que publica. Al publicar, autoriza a la OMPI y a los participantes a almacenar, mostrar y reproducir sus mensajes dentro del foro, y a la OMPI a citarlos en los resúmenes de las discusiones preparados para el Comité.
5.2 Publique solo aquello que tenga derecho a compartir. Cite brevemente las obras de otras personas indicando la fuente, y enlace los documentos en lugar de copiarlos.
5.3 Los documentos de la OMPI y de los Estados miembros pueden citarse de conformidad con sus condiciones de uso.
5.4 Si considera que un mensaje vulnera sus derechos, denúncielo citando esta cláusula; el mensaje puede ocultarse mientras se examina la reclamación.
""",
}
