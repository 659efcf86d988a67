* Tabel 3: svarprocent og CSQ-8 pr. region og i alt, fra deltagerudtrækket.
* Udtrækket laves med:
*   flask --app survey_app export --level participant --format dta --out deltagere.dta
* Kør i Stata:  do tabel3.do
*
* Samme definitioner som appens regionsrapport (report --by region):
*   eligible  = deltagere med eligible == 1 (opfølgningsdatoen er nået), som har en region
*   completed = heraf besvaret (completed == 1)
*   RR1       = completed / eligible
*   RR2       = (completed + partial) / eligible  (partial: mindst ét svar, ikke færdig)
*   csq_n     = besvarede med en total (alle otte spørgsmål besvaret)
*   mean, sd  = gennemsnit og standardafvigelse (n - 1) af total
* Region er variablen region: regionen på forløbsstartsdatoen (baseline_date).
* Rater er andele (0-1).

* 1. Sæt filnavnet på udtrækket her.
local eksport "deltagere.dta"

* 2. Læs en .dta-fil (standard). Til en CSV-fil (--format csv): brug i stedet
*    import delimited using "`eksport'", varnames(1) encoding("utf-8") stringcols(_all) clear
*    destring eligible completed partial total, replace
use "`eksport'", clear

* Kun deltagere i svarprocenten, som har en region (som i regionsrapporten).
keep if eligible == 1 & region != ""
generate besvaret = (completed == 1)
generate rr2_taeller = (completed == 1 | partial == 1)
generate score = total if completed == 1 & !missing(total)

* Totalen: en kopi af alle rækker med gruppen "Total".
generate niveau = 1
generate gruppe = region
expand 2, generate(kopi)
replace niveau = 2 if kopi
replace gruppe = "Total" if kopi

collapse (count) eligible_n=besvaret (sum) completed_n=besvaret (mean) rr1=besvaret ///
    rr2=rr2_taeller (count) csq_n=score (mean) csq_mean=score (sd) csq_sd=score, by(niveau gruppe)
format rr1 rr2 csq_mean csq_sd %18.10f
display "Tabel 3: svarprocent og CSQ-8 pr. region"
list gruppe eligible_n completed_n rr1 rr2 csq_n csq_mean csq_sd, noobs clean
