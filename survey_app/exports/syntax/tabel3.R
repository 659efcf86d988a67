# Tabel 3: svarprocent og CSQ-8 pr. region og i alt, fra deltagerudtrækket.
#
# Kør:  Rscript tabel3.R deltagere.csv   (eller .sav / .dta)
# Udtrækket laves med:
#   flask --app survey_app export --level participant --format csv|sav|dta --out FILE
#
# Samme definitioner som appens regionsrapport (report --by region):
#   eligible  = deltagere med eligible == 1 (opfølgningsdatoen er nået), som har en region
#   completed = heraf besvaret (completed == 1)
#   RR1       = completed / eligible
#   RR2       = (completed + partial) / eligible   (partial: mindst ét svar, ikke færdig)
#   CSQ-8 N   = besvarede med en total (alle otte spørgsmål besvaret)
#   mean, SD  = gennemsnit og standardafvigelse (n - 1) af total
# Region er kolonnen "region": regionen på forløbsstartsdatoen (baseline_date).
# Rater udskrives som andele (0-1) med 12 decimaler; NA = kan ikke beregnes.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) {
  stop("Brug: Rscript tabel3.R UDTRÆK.csv|.sav|.dta")
}
path <- args[1]
extension <- tolower(sub(".*\\.", "", path))

if (extension == "csv") {
  # UTF-8 med BOM; komma-separeret (eller semikolon og decimalkomma: --excel-da).
  first <- readLines(path, n = 1, encoding = "UTF-8", warn = FALSE)
  separator <- if (grepl(";", first) && !grepl(",", first)) ";" else ","
  data <- read.csv(path, sep = separator, fileEncoding = "UTF-8-BOM",
                   colClasses = "character", na.strings = "", check.names = FALSE)
} else if (extension %in% c("sav", "dta")) {
  library(haven)
  data <- if (extension == "sav") read_sav(path) else read_dta(path)
  data <- as.data.frame(zap_labels(data))
} else {
  stop("Ukendt filtype: ", extension, " (brug .csv, .sav eller .dta)")
}

number <- function(column) suppressWarnings(as.numeric(as.character(column)))
region <- as.character(data$region)
region[is.na(region)] <- ""
eligible <- number(data$eligible) %in% 1
completed <- number(data$completed) %in% 1
partial <- number(data$partial) %in% 1
total <- number(data$total)

# Kun deltagere i svarprocenten, som har en region (som i regionsrapporten).
keep <- eligible & region != ""
region <- region[keep]
completed <- completed[keep]
partial <- partial[keep]
total <- total[keep]

figures <- function(rows) {
  n_eligible <- sum(rows)
  n_completed <- sum(completed[rows])
  n_partial <- sum(partial[rows])
  scores <- total[rows & completed & !is.na(total)]
  c(
    eligible = n_eligible,
    completed = n_completed,
    rr1 = if (n_eligible > 0) n_completed / n_eligible else NA,
    rr2 = if (n_eligible > 0) (n_completed + n_partial) / n_eligible else NA,
    csq_n = length(scores),
    mean = if (length(scores) > 0) mean(scores) else NA,
    sd = if (length(scores) > 1) sd(scores) else NA
  )
}

decimals <- function(value) if (is.na(value)) "NA" else sprintf("%.12f", value)

print_row <- function(label, values) {
  cat(paste(label, sprintf("%d", values[["eligible"]]), sprintf("%d", values[["completed"]]),
            decimals(values[["rr1"]]), decimals(values[["rr2"]]), sprintf("%d", values[["csq_n"]]),
            decimals(values[["mean"]]), decimals(values[["sd"]]), sep = "\t"), "\n", sep = "")
}

cat("Tabel 3: svarprocent og CSQ-8 pr. region\n")
cat(paste("region", "eligible", "completed", "RR1", "RR2", "csq_n", "mean", "sd", sep = "\t"), "\n", sep = "")
for (name in sort(unique(region), method = "radix")) {
  print_row(name, figures(region == name))
}
print_row("Total", figures(rep(TRUE, length(region))))
