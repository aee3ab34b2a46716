# ---- itdd drugs / dose / trial (apps/itdd/clinical.cpp), end to end ----
# Included from tests/CMakeLists.txt (uses its cli_expect and ${bad}).
set(drug_library ${PROJECT_SOURCE_DIR}/data/drug-library.json)

cli_expect(cli_drugs_list 0 "ziconotide +mcg +25, 100 +19.2 +21.6 +low" drugs list)
cli_expect(cli_drugs_list_json 0 "\"hard_max_per_day\": 21.6" drugs list --json)
cli_expect(cli_drugs_show 0 "hard maximum +21.6 mcg/day[\r\n]+ +source: Prialt: maximum 21.6"
           drugs show ziconotide)
cli_expect(cli_drugs_show_unknown 2 "error: fentanyl: not in the drug library \\(known: morphine,"
           drugs show fentanyl)
cli_expect(cli_drugs_missing_library 2 "error: [^:]*no-such-library.json: cannot open the file"
           drugs list --library ${bad}/no-such-library.json)
cli_expect(cli_drugs_check_ok 0 "drug-library.json: ok, 7 drugs" drugs check ${drug_library})
cli_expect(cli_drugs_check_bad 2
           "error: [^:]*bad-drug-library.json: drugs\\[1\\].limits.soft_max.value: must be at most hard_max \\(21.6 mcg/day\\)"
           drugs check ${bad}/bad-drug-library.json)
# The number the drug-library fuzzer found: refused with its place, never the JSON library's text.
cli_expect(cli_drugs_check_number_overflow 2
           "error: [^:]*number-overflow.json: line 1, column 1: the number 7757E877777777778 is too large"
           drugs check ${PROJECT_SOURCE_DIR}/fuzz/corpus/drug_library/number-overflow.json)
cli_expect(cli_drugs_check_number_overflow_inside 2
           "error: [^:]*bad-drug-library-overflow.json: line 64, column 20: the number 7757E877777777778 is too large"
           drugs check ${bad}/bad-drug-library-overflow.json)
cli_expect(cli_dose_rate_number_overflow 2
           "error: [^:]*bad-drug-library-overflow.json: line 64, column 20: the number 7757E877777777778 is too large"
           dose rate --drug ziconotide --dose 2.4 --concentration 25
           --library ${bad}/bad-drug-library-overflow.json)
cli_expect(cli_drugs_export_no_overwrite 2 "error: --out [^:]*bad-syntax.json: already exists: add --force"
           drugs export --out ${bad}/bad-syntax.json)
# Export, then check what was written: an exported library loads again.
set(exported ${CMAKE_CURRENT_BINARY_DIR}/exported-drug-library.json)
cli_expect(cli_drugs_export 0 "wrote 7 drugs" drugs export --out ${exported} --force)
cli_expect(cli_drugs_export_checks 0 "exported-drug-library.json: ok, 7 drugs" drugs check ${exported})
set_tests_properties(cli_drugs_export PROPERTIES FIXTURES_SETUP drugs_exported)
set_tests_properties(cli_drugs_export_checks PROPERTIES FIXTURES_REQUIRED drugs_exported)

cli_expect(cli_dose_rate 0 "0.14 mL/day = 5.833 uL/h.*peristaltic-20 runs it"
           dose rate --drug ziconotide --dose 3.5 --concentration 25 --pump-model peristaltic-20)
cli_expect(cli_dose_rate_below_pump 0 "peristaltic-20 CANNOT run it: .*lowest dose at this concentration is 4.8 mcg/day"
           dose rate --drug ziconotide --dose 2.4 --concentration 100 --pump-model peristaltic-20)
cli_expect(cli_dose_rate_titration 0 "soft +titration.interval: 30 h since the last increase"
           dose rate --drug ziconotide --dose 4.8 --concentration 100 --current-dose 2.4
           --hours-since-increase 30)
cli_expect(cli_dose_rate_json 0 "\"rate_nl_per_day\": 140000"
           dose rate --drug ziconotide --dose 3.5 --concentration 25 --json)
cli_expect(cli_dose_rate_bad_dose 2 "error: --dose 3,5: not a plain decimal number"
           dose rate --drug ziconotide --dose 3,5 --concentration 25)
cli_expect(cli_dose_rate_negative_dose 2 "error: --dose -1: must not be negative"
           dose rate --drug morphine --dose -1 --concentration 25)
cli_expect(cli_dose_rate_leading_point 2 "error: --dose .5: write a leading zero \\(0.5\\)"
           dose rate --drug morphine --dose .5 --concentration 25)
cli_expect(cli_dose_rate_too_precise 2 "error: --concentration 25.0001: at most 3 decimal places"
           dose rate --drug ziconotide --dose 3.5 --concentration 25.0001)
cli_expect(cli_dose_rate_zero_concentration 2 "error: --concentration 0: must be above 0"
           dose rate --drug ziconotide --dose 3.5 --concentration 0)
cli_expect(cli_dose_rate_unknown_drug 2 "error: --drug morphin: not in the drug library"
           dose rate --drug morphin --dose 1 --concentration 25)
cli_expect(cli_dose_rate_unknown_pump 2 "error: --pump-model syringe: not in [^ ]*pump-models.json \\(known:"
           dose rate --drug morphine --dose 1 --concentration 25 --pump-model syringe)
cli_expect(cli_dose_rate_hours_alone 2 "error: --hours-since-increase: needs --current-dose"
           dose rate --drug morphine --dose 1 --concentration 25 --hours-since-increase 5)

cli_expect(cli_dose_convert 0 "to +morphine:intrathecal +1 mg/day.*practice varies widely"
           dose convert --from morphine:oral --to morphine:intrathecal --dose 300)
cli_expect(cli_dose_convert_lower_ratio 0 "hydromorphone:intrathecal +1 mg/day.*6:1.*3 mg/day via"
           dose convert --from morphine:intrathecal --to hydromorphone:intrathecal --dose 6)
cli_expect(cli_dose_convert_unknown 2
           "error: --from morphine:sc: no rule names it \\(known: morphine:oral, morphine:iv"
           dose convert --from morphine:sc --to morphine:intrathecal --dose 300)
cli_expect(cli_dose_convert_bad_route 2 "error: --to morphine: expected DRUG:ROUTE"
           dose convert --from morphine:oral --to morphine --dose 300)
cli_expect(cli_dose_convert_bad_dose 2 "error: --dose 1e3: not a plain decimal number"
           dose convert --from morphine:oral --to morphine:intrathecal --dose 1e3)
cli_expect(cli_dose_convert_number_overflow 2
           "error: [^:]*bad-opioid-conversions-overflow.json: line [0-9]+, column [0-9]+: the number 7757E877777777778 is too large"
           dose convert --from morphine:oral --to morphine:intrathecal --dose 300
           --conversions ${bad}/bad-opioid-conversions-overflow.json)
cli_expect(cli_dose_convert_zero 2 "error: --dose 0: must be above 0"
           dose convert --from morphine:oral --to morphine:intrathecal --dose 0)

cli_expect(cli_trial_next 0 "next screening bolus: 75 mcg, not before 2025-03-04 09:00"
           trial suggest --drug baclofen --step 50:failed:ashworth=3-3@2025-03-03T09:00)
cli_expect(cli_trial_start 0 "starting infusion: 100 mcg/day"
           trial suggest --drug baclofen --step 50:effective:6h:ashworth=3-1)
cli_expect(cli_trial_failed 0 "stop: screening failed"
           trial suggest --drug baclofen --step 50:failed --step 75:failed --step 100:failed)
cli_expect(cli_trial_no_rule 0 "no rule in the library" trial suggest --drug ziconotide)
cli_expect(cli_trial_bad_result 2 "error: --step 50:maybe \\(step 1\\): maybe: the result is effective or failed"
           trial suggest --drug baclofen --step 50:maybe)
cli_expect(cli_trial_too_soon 2 "error: --step #2 \\(given_at\\): must be at least 24 h after"
           trial suggest --drug baclofen --step 50:failed@2025-03-03T09:00
           --step 75:failed@2025-03-03T20:00)
cli_expect(cli_trial_no_duration 2 "error: --step #1 \\(effect_duration\\): record how long the effect lasted"
           trial suggest --drug baclofen --step 50:effective)
cli_expect(cli_trial_bad_score 2 "error: --step #1 \\(response\\): ashworth scores are from 0 to 4"
           trial suggest --drug baclofen --step 50:failed:ashworth=7-3)
