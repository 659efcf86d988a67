* Tabel 3: svarprocent og CSQ-8 pr. region og i alt, fra deltagerudtrækket.
* Udtrækket laves med:
*   flask --app survey_app export --level participant --format sav --out deltagere.sav
* Kør i SPSS, eller i GNU PSPP:  pspp tabel3.sps
*
* Samme definitioner som appens regionsrapport (report --by region):
*   eligible  = deltagere med eligible = 1 (opfølgningsdatoen er nået), som har en region
*   completed = heraf besvaret (completed = 1)
*   RR1       = completed / eligible
*   RR2       = (completed + partial) / eligible  (partial: mindst ét svar, ikke færdig)
*   csq_n     = besvarede med en total (alle otte spørgsmål besvaret)
*   mean, sd  = gennemsnit og standardafvigelse (n - 1) af total
* Region er variablen region: regionen på forløbsstartsdatoen (baseline_date).
* Rater er andele (0-1).

* 1. Sæt filnavnet på udtrækket her.
FILE HANDLE eksport /NAME='deltagere.sav'.

* 2. Læs en .sav-fil (standard). Til en CSV-fil (--format csv): sæt en stjerne
*    foran GET FILE-linjen og fjern stjernerne foran GET DATA-blokken nedenfor.
*    (PSPP advarer "Record ends in data not part of any field": kolonnerne efter
*    total læses ikke, de bruges ikke her.)
GET FILE=eksport.
* GET DATA /TYPE=TXT /FILE=eksport /ENCODING='UTF-8' /ARRANGEMENT=DELIMITED
*   /DELCASE=LINE /FIRSTCASE=2 /DELIMITERS="," /QUALIFIER='"'
*   /VARIABLES=participant_code A40 municipality_code A8 municipality A60
*   region A60 region_today A60 cluster A60 baseline_date A10 followup_date A10
*   eligible F1 status F2 invited F1 opened F1 partial F1 completed F1
*   invited_at A19 opened_at A19 completed_at A19 first_channel A8
*   reminders_before_completion F2 contact_before_completion A16 items_answered F2
*   csq_1 F1 csq_2 F1 csq_3 F1 csq_4 F1 csq_5 F1 csq_6 F1 csq_7 F1 csq_8 F1 total F2.

* Kun deltagere i svarprocenten, som har en region (som i regionsrapporten).
SELECT IF (eligible = 1 AND region <> '').
COMPUTE besvaret = (completed = 1).
COMPUTE rr2_taeller = (completed = 1 OR partial = 1).
COMPUTE score = $SYSMIS.
IF (completed = 1 AND NOT SYSMIS(total)) score = total.
COMPUTE niveau = 1.
STRING gruppe (A60).
COMPUTE gruppe = region.
EXECUTE.

* Totalen: en kopi af alle rækker med gruppen "Total".
DATASET NAME regioner.
DATASET COPY alle.
DATASET ACTIVATE alle.
COMPUTE niveau = 2.
COMPUTE gruppe = 'Total'.
EXECUTE.
ADD FILES /FILE=regioner /FILE=alle.
EXECUTE.

AGGREGATE OUTFILE=* /BREAK=niveau gruppe
  /eligible_n=N
  /completed_n=SUM(besvaret)
  /rr1=MEAN(besvaret)
  /rr2=MEAN(rr2_taeller)
  /csq_n=NU(score)
  /csq_mean=MEAN(score)
  /csq_sd=SD(score).
FORMATS eligible_n completed_n csq_n (F8.0) rr1 rr2 csq_mean csq_sd (F18.10).
TITLE 'Tabel 3: svarprocent og CSQ-8 pr. region'.
LIST VARIABLES=gruppe eligible_n completed_n rr1 rr2 csq_n csq_mean csq_sd.
