# Reference values for tests/analysis/test_training.cpp (site training: LASSO, logistic
# regression, feature filters), from R's glmnet (Debian r-cran-glmnet), glm, step and
# psych::ICC (Debian r-cran-psych). Run from this folder:  Rscript make_training_reference.R
# Writes training_cohort.csv, icc_readings.csv and training_reference.csv
# (statistic,value), so the C++ tests do not need R.
suppressMessages({
  library(glmnet)
  library(psych)
})

# --- a cohort: 150 patients, 8 features on very different scales, two correlated ----------
set.seed(20261123)
n <- 150
z1 <- rnorm(n); z2 <- rnorm(n); z3 <- rnorm(n)
cohort <- data.frame(
  f1 = 22 + 8 * z1,                              # a diameter in mm
  f2 = 0.8 + 0.05 * (0.7 * z1 + 0.7 * rnorm(n)), # correlated with f1, small scale
  f3 = 1000 + 300 * z2,                          # an energy-like feature, large scale
  f4 = round(rnorm(n, 5, 2)),                    # integer-valued: many ties
  f5 = rexp(n, 0.5),                             # skewed
  f6 = rnorm(n),
  f7 = round(runif(n, 0, 10), 1),                # rounded: ties
  f8 = 3 * z3
)
# Rounded so that the CSV holds exactly the values R fits on.
cohort <- round(cohort, 6)
label <- rbinom(n, 1, plogis(-0.5 + 0.9 * z1 - 0.6 * z2 + 0.4 * cohort$f6))
cohort <- cbind(label = label, cohort)
features <- paste0("f", 1:8)
x <- as.matrix(cohort[, features])
y <- cohort$label

rows <- list()
put <- function(statistic, value) {
  rows[[length(rows) + 1]] <<- data.frame(statistic = statistic, value = sprintf("%.17g", value))
}
put("n", n)
put("events", sum(y))

# --- glmnet: LASSO logistic (alpha = 1, standardize = TRUE), coefficients on the original
# scale at fixed lambdas, converged tightly: at glmnet's thresh = 1e-12 the gradient still
# misses the optimality (KKT) conditions by 7e-8 here, which moves the coefficient of f2
# (sd 0.05, correlated with f1) by 1e-5; at 1e-18 they hold to 1e-10.
lambda_max <- max(abs(colSums(scale(x, TRUE, apply(x, 2, function(v) sqrt(mean((v - mean(v))^2)))) * (y - mean(y))))) / n
put("lambda_max", lambda_max)
default_path <- glmnet(x, y, family = "binomial", alpha = 1, standardize = TRUE, thresh = 1e-18)
put("default_lambda_1", default_path$lambda[1])
put("default_lambda_2", default_path$lambda[2])
put("default_lambda_count", length(default_path$lambda))
lambdas <- c(0.1, 0.05, 0.02, 0.005)
fit <- glmnet(x, y, family = "binomial", alpha = 1, standardize = TRUE, lambda = lambdas,
              thresh = 1e-18, maxit = 1e6)
for (i in seq_along(lambdas)) {
  b <- as.numeric(coef(fit)[, i]) # column i: the fit at lambdas[i]
  tag <- sprintf("lasso_%g", lambdas[i])
  put(paste0(tag, "_intercept"), b[1])
  for (j in seq_along(features)) put(paste0(tag, "_", features[j]), b[j + 1])
}

# cv.glmnet on fixed folds (case i in fold (i - 1) %% 5 + 1), binomial deviance. Each fold
# fits its own lambda path and is predicted at the full path's lambdas by interpolation.
# lambda.min and lambda.1se are reported as path indices (1-based).
foldid <- (seq_len(n) - 1) %% 5 + 1
cv <- cv.glmnet(x, y, family = "binomial", foldid = foldid, type.measure = "deviance", thresh = 1e-18, maxit = 1e6)
put("cv_lambda_count", length(cv$lambda))
for (k in seq_along(cv$lambda)) {
  put(sprintf("cv_cvm_%d", k), cv$cvm[k])
  put(sprintf("cv_cvsd_%d", k), cv$cvsd[k])
}
put("cv_index_min", cv$index["min", 1])
put("cv_index_1se", cv$index["1se", 1])

# --- glm: the unpenalised fit of f1, f3, f6 and f8, and backward selection by AIC ---------
tight <- glm.control(epsilon = 1e-14, maxit = 100)
full <- glm(label ~ f1 + f3 + f6 + f8, data = cohort, family = binomial, control = tight)
s <- summary(full)$coefficients
for (term in rownames(s)) {
  name <- if (term == "(Intercept)") "intercept" else term
  put(paste0("glm_", name, "_estimate"), s[term, "Estimate"])
  put(paste0("glm_", name, "_se"), s[term, "Std. Error"])
  put(paste0("glm_", name, "_p"), s[term, "Pr(>|z|)"])
}
put("glm_aic", AIC(full))
put("glm_deviance", deviance(full))
put("glm_null_deviance", full$null.deviance)

everything <- glm(as.formula(paste("label ~", paste(features, collapse = " + "))), data = cohort,
                  family = binomial, control = tight)
chosen <- step(everything, direction = "backward", trace = 0)
kept <- attr(terms(chosen), "term.labels")
for (f in features) put(paste0("step_keeps_", f), as.numeric(f %in% kept))
put("step_aic", AIC(chosen))

# --- univariate filters on each feature: Mann-Whitney (normal approximation with the tie
# and continuity corrections, R's default once there are ties) and one-way ANOVA F.
for (f in features) {
  put(paste0("mann_whitney_p_", f), wilcox.test(cohort[[f]][y == 1], cohort[[f]][y == 0], exact = FALSE)$p.value)
  a <- summary(aov(cohort[[f]] ~ factor(y)))[[1]]
  put(paste0("anova_f_", f), a[["F value"]][1])
  put(paste0("anova_p_", f), a[["Pr(>F)"]][1])
  put(paste0("spearman_f1_", f), cor(cohort$f1, cohort[[f]], method = "spearman"))
  put(paste0("pearson_f1_", f), cor(cohort$f1, cohort[[f]]))
}

# --- ICC between repeated segmentations: 30 lesions, three readings of two features -------
set.seed(7)
lesions <- 30
truth_a <- rnorm(lesions, 50, 10)
truth_b <- rnorm(lesions, 1, 0.2)
readings <- data.frame(
  a1 = truth_a + rnorm(lesions, 0, 3), a2 = truth_a + 2 + rnorm(lesions, 0, 3), a3 = truth_a - 1 + rnorm(lesions, 0, 3),
  b1 = truth_b + rnorm(lesions, 0, 0.2), b2 = truth_b + rnorm(lesions, 0, 0.2), b3 = truth_b + 0.1 + rnorm(lesions, 0, 0.2)
)
readings <- round(readings, 6)
for (feature in c("a", "b")) {
  for (k in c(2, 3)) {
    m <- as.matrix(readings[, paste0(feature, seq_len(k))])
    r <- ICC(m, lmer = FALSE)$results
    put(sprintf("icc2_%s_k%d", feature, k), r["Single_random_raters", "ICC"])
    put(sprintf("icc3_%s_k%d", feature, k), r["Single_fixed_raters", "ICC"])
  }
}

write.csv(cohort, "training_cohort.csv", row.names = FALSE, quote = FALSE)
write.csv(readings, "icc_readings.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, rows), "training_reference.csv", row.names = FALSE, quote = FALSE)
cat("glmnet", as.character(packageVersion("glmnet")), "psych", as.character(packageVersion("psych")),
    "-", R.version.string, "\n")
