# Reference values for tests/analysis/test_statistics.cpp, from R's pROC (Debian r-cran-proc).
# Run from this folder:  Rscript make_reference.R
# Writes the data sets (<name>.csv: label,score,compare) and reference.csv
# (dataset,statistic,value), so the C++ tests do not need R.
#
# Conventions fixed here as radnode fixes them: labels 0/1 (1 = positive), higher score =
# positive (direction "<", never "auto"), positive when score >= threshold.
suppressMessages(library(pROC))

# --- data sets with ties ------------------------------------------------------------------
# A hand-made set: ties inside each class and across classes, in both scores.
small <- data.frame(
  label   = c(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1),
  score   = c(0.10, 0.20, 0.20, 0.35, 0.40, 0.40, 0.55, 0.70, 0.40, 0.55, 0.55, 0.60, 0.80, 0.80, 0.90, 0.10, 0.20, 0.65, 0.65, 0.35),
  compare = c(0.30, 0.30, 0.25, 0.50, 0.45, 0.30, 0.50, 0.60, 0.50, 0.50, 0.70, 0.55, 0.70, 0.60, 0.85, 0.20, 0.25, 0.60, 0.75, 0.40)
)

# A simulated cohort of 240 patients: two correlated models' risks, rounded to two and to
# one decimal so that many risks tie.
set.seed(20240611)
n <- 240
x1 <- rnorm(n)
x2 <- 0.6 * x1 + 0.8 * rnorm(n)
label <- rbinom(n, 1, plogis(-0.7 + 1.1 * x1 + 0.5 * x2))
risk_new <- round(plogis(-0.6 + 0.9 * x1 + 0.6 * x2), 2)
risk_old <- round(plogis(-0.5 + 0.8 * x1), 1)
risk_new <- pmin(pmax(risk_new, 0.01), 0.99)
risk_old <- pmin(pmax(risk_old, 0.05), 0.95)
cohort <- data.frame(label = label, score = risk_new, compare = risk_old)

datasets <- list(ties_small = small, ties_cohort = cohort)

# --- statistics ------------------------------------------------------------------------
# Hosmer-Lemeshow written out from its definition as ResourceSelection::hoslem.test applies
# it (that package is not in Debian): breaks = distinct type-7 quantiles of p at 0, 1/g, ..., 1;
# groups closed on the right (the first also on the left); chi-square over events and
# non-events; df = groups formed - 2.
hosmer_lemeshow <- function(y, p, g = 10) {
  breaks <- unique(quantile(p, probs = seq(0, 1, 1 / g)))
  group <- cut(p, breaks = breaks, include.lowest = TRUE)
  o1 <- tapply(y, group, sum); e1 <- tapply(p, group, sum); size <- tapply(y, group, length)
  keep <- !is.na(size)
  o1 <- o1[keep]; e1 <- e1[keep]; size <- size[keep]
  chisq <- sum((o1 - e1)^2 / e1 + ((size - o1) - (size - e1))^2 / (size - e1))
  df <- length(size) - 2
  c(chisq = chisq, df = df, p = pchisq(chisq, df, lower.tail = FALSE), groups = length(size))
}

tight <- glm.control(epsilon = 1e-14, maxit = 100)

rows <- list()
put <- function(dataset, statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, statistic = statistic,
                                          value = sprintf("%.17g", value))
}

for (name in names(datasets)) {
  d <- datasets[[name]]
  write.csv(d, paste0(name, ".csv"), row.names = FALSE, quote = FALSE)
  put(name, "n", nrow(d))
  put(name, "n_positive", sum(d$label))

  rocs <- list()
  for (column in c("score", "compare")) {
    r <- roc(d$label, d[[column]], levels = c(0, 1), direction = "<", quiet = TRUE)
    rocs[[column]] <- r
    ci <- ci.auc(r, method = "delong")
    put(name, paste0(column, "_auc"), as.numeric(auc(r)))
    put(name, paste0(column, "_auc_variance"), var(r, method = "delong"))
    put(name, paste0(column, "_auc_ci_lower"), ci[1])
    put(name, paste0(column, "_auc_ci_upper"), ci[3])

    best <- coords(r, x = "best", best.method = "youden",
                   ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
    best <- best[order(best$threshold), ]
    put(name, paste0(column, "_youden_count"), nrow(best))
    put(name, paste0(column, "_youden_threshold"), best$threshold[1]) # the lowest: radnode's choice
    put(name, paste0(column, "_youden_sensitivity"), best$sensitivity[1])
    put(name, paste0(column, "_youden_specificity"), best$specificity[1])

    at <- coords(r, x = 0.5, input = "threshold", transpose = FALSE,
                 ret = c("sensitivity", "specificity", "accuracy", "ppv", "npv"))
    for (k in names(at)) put(name, paste0(column, "_at_0.5_", k), at[[k]])

    hl <- hosmer_lemeshow(d$label, d[[column]])
    put(name, paste0(column, "_hl_chi2"), hl[["chisq"]])
    put(name, paste0(column, "_hl_df"), hl[["df"]])
    put(name, paste0(column, "_hl_p"), hl[["p"]])

    lp <- qlogis(d[[column]])
    slope_fit <- glm(d$label ~ lp, family = binomial, control = tight)
    intercept_fit <- glm(d$label ~ 1, offset = lp, family = binomial, control = tight)
    put(name, paste0(column, "_calibration_slope"), coef(slope_fit)[["lp"]])
    put(name, paste0(column, "_calibration_intercept"), coef(intercept_fit)[["(Intercept)"]])

    # Decision curve by its definition (Vickers & Elkin 2006): treat when risk >= pt.
    for (pt in c(0.1, 0.2, 0.3)) {
      treated <- d[[column]] >= pt
      nb <- sum(treated & d$label == 1) / nrow(d) - sum(treated & d$label == 0) / nrow(d) * pt / (1 - pt)
      put(name, sprintf("%s_net_benefit_%.1f", column, pt), nb)
    }
  }

  test <- roc.test(rocs$score, rocs$compare, method = "delong", paired = TRUE)
  put(name, "delong_z", test$statistic[[1]])
  put(name, "delong_p", test$p.value)
  put(name, "delong_difference_ci_lower", test$conf.int[1])
  put(name, "delong_difference_ci_upper", test$conf.int[2])

  # NRI and IDI by their definitions (Pencina 2008, 2011), new = score, old = compare.
  event <- d$label == 1
  move <- sign(d$score - d$compare)
  put(name, "nri_continuous", mean(move[event]) - mean(move[!event]))
  category <- function(p) findInterval(p, c(0.2, 0.5)) # a risk equal to a cut-off goes up
  cmove <- sign(category(d$score) - category(d$compare))
  put(name, "nri_categorical_0.2_0.5", mean(cmove[event]) - mean(cmove[!event]))
  put(name, "idi", (mean(d$score[event]) - mean(d$score[!event])) - (mean(d$compare[event]) - mean(d$compare[!event])))
}

reference <- do.call(rbind, rows)
write.csv(reference, "reference.csv", row.names = FALSE, quote = FALSE)
cat("pROC", as.character(packageVersion("pROC")), "-", R.version.string, "\n")
