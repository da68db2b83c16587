DROP TABLE price_bands;
DROP TABLE price_plans;
