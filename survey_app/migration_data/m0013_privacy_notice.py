"""The privacy notice migration 0013 seeds, in Danish and English, for the data controller to complete.

The texts say what the product really does (what is stored, who sees what, what is deleted when),
and leave in square brackets what only the controller can say: their name and address, the data
protection officer, the legal basis they rely on. ``{opbevaring}`` is replaced when the notice is
shown by how long data are kept, from the settings (``privacy.retention_text``), so the notice
cannot state another retention time than the one the code applies.

Markup (``privacy.blocks``): a line starting with ``## `` is a heading, lines starting with ``- ``
are a list, other lines are paragraphs separated by a blank line. Never HTML.

This is part of migration 0013 and is never edited; a new default text comes with a new migration.
"""

DANISH = """\
## Hvem er ansvarlig for dine oplysninger
[Navn på den dataansvarlige myndighed], [adresse], CVR-nr. [nummer], er dataansvarlig for behandlingen af dine oplysninger i denne undersøgelse.

Du kan kontakte vores databeskyttelsesrådgiver på [e-mail og telefon til databeskyttelsesrådgiveren].

## Hvorfor vi behandler dine oplysninger
Undersøgelsen spørger deltagere i et IPS-forløb, hvad de synes om den støtte, de får. Svarene bruges til at evaluere og forbedre IPS-indsatsen i kommunerne. De bruges ikke til afgørelser om dig, og din støtte påvirkes ikke af, om eller hvad du svarer.

## Retsgrundlag
[Den dataansvarlige bekræfter retsgrundlaget her, fx:] Databeskyttelsesforordningens artikel 6, stk. 1, litra e (en opgave i samfundets interesse), og artikel 9, stk. 2, litra j (statistik og videnskabelig forskning) [eller litra g], jf. databeskyttelseslovens § 10.

## Hvilke oplysninger vi gemmer
- en kode, som jobcentret giver dig i undersøgelsen (ikke dit navn eller CPR-nummer)
- din kommune og datoen, hvor dit IPS-forløb startede
- dit køn og fødselsår, hvis jobcentret har oplyst dem
- dit mobilnummer og/eller din e-mailadresse, så vi kan sende dig linket og påmindelser
- de beskeder, vi har sendt dig, og om du har frabedt dig flere beskeder
- dine svar, og hvornår du svarede

Vi gemmer ikke dit navn eller dit CPR-nummer.

## Hvem kan se hvad
- Din jobkonsulent kan se din kode, dine kontaktoplysninger og om du har svaret, men aldrig dine svar.
- Evalueringen ser kun svar samlet for mange deltagere. Tal for meget få personer vises ikke, og udtræk til analyse har kun din kode, aldrig dit navn eller dine kontaktoplysninger.
- Dine svar kan kun ses og rettes på den telefon eller i den browser, hvor du gav dem.
- Beder du om at se eller få slettet dine oplysninger, ser en administrator hos os dine svar for at kunne give dig dem eller slette dem. Det skrives i en log, hver gang.
- [Databehandler, der driver løsningen, fx IT-leverandør], behandler oplysningerne på vores vegne efter en databehandleraftale.

Oplysningerne overføres ikke til lande uden for EU/EØS.

## Hvor længe vi gemmer oplysningerne
{opbevaring}

## Dine rettigheder
Du har ret til at få indsigt i de oplysninger, vi har om dig, og til at få forkerte oplysninger rettet. Du kan også bede om at få oplysningerne slettet eller gøre indsigelse mod behandlingen. Det er frivilligt at svare, og du kan til enhver tid frabede dig flere beskeder via linket i vores e-mails eller ved at kontakte os.

Du kan klage til Datatilsynet, Carl Jacobsens Vej 35, 2500 Valby, www.datatilsynet.dk.

## Kontakt
Har du spørgsmål til undersøgelsen eller vil du bruge dine rettigheder, så kontakt [den dataansvarliges kontakt] eller din jobkonsulent.
"""

ENGLISH = """\
## Who is responsible for your data
[Name of the public authority that is the data controller], [address], CVR no. [number], is the data controller for the processing of your data in this survey.

You can contact our data protection officer at [e-mail and phone of the data protection officer].

## Why we process your data
The survey asks people in an IPS programme what they think of the support they receive. The answers are used to evaluate and improve IPS in the municipalities. They are not used for decisions about you, and your support is not affected by whether or how you answer.

## Legal basis
[The data controller confirms the legal basis here, e.g.:] Article 6(1)(e) of the General Data Protection Regulation (a task carried out in the public interest) and Article 9(2)(j) (statistics and scientific research) [or point (g)], cf. section 10 of the Danish Data Protection Act.

## What we store
- a code the job centre gives you in the survey (not your name or CPR number)
- your municipality and the date your IPS programme started
- your gender and year of birth, if the job centre has given them
- your mobile number and/or e-mail address, so that we can send you the link and reminders
- the messages we have sent you, and whether you asked for no more messages
- your answers, and when you gave them

We do not store your name or your CPR number.

## Who sees what
- Your employment specialist can see your code, your contact details and whether you have answered, but never your answers.
- The evaluation sees answers only combined for many participants. Figures for very few people are not shown, and data extracts for analysis carry only your code, never your name or contact details.
- Your answers can only be seen and changed on the phone or in the browser where you gave them.
- If you ask to see or erase your data, an administrator of ours sees your answers in order to give them to you or erase them. Each time is written to a log.
- [Data processor running the service, e.g. IT supplier] processes the data on our behalf under a data processing agreement.

The data are not transferred to countries outside the EU/EEA.

## How long we keep the data
{opbevaring}

## Your rights
You have the right to see the data we hold about you and to have wrong data corrected. You can also ask for the data to be erased or object to the processing. Answering is voluntary, and you can at any time ask for no more messages using the link in our e-mails or by contacting us.

You can complain to the Danish Data Protection Agency (Datatilsynet), Carl Jacobsens Vej 35, 2500 Valby, www.datatilsynet.dk.

## Contact
If you have questions about the survey or want to use your rights, please contact [the data controller's contact] or your employment specialist.
"""

NOTICES = {"da": DANISH, "en": ENGLISH}
