"""The trained model's behaviour, through modelci's pytest fixtures (modelci.testing).

`model` is the workspace model, loaded only after its SHA-256 matches models/model.json;
`test_data` is the held-out split (`modelci.test_data`); `modelci_config` the `modelci:` section.
"""


def test_held_out_fraud_scores_above_the_threshold_on_average(model, test_data, modelci_config):
    fraud = test_data[test_data[model.label] == 1]
    scores = model.model.predict_proba(fraud[model.features])[:, 1]
    assert len(fraud) >= 100
    assert scores.mean() > modelci_config.predictions.threshold


def test_held_out_legitimate_rows_score_low(model, test_data, modelci_config):
    legit = test_data[test_data[model.label] == 0]
    scores = model.model.predict_proba(legit[model.features])[:, 1]
    assert (scores >= modelci_config.predictions.threshold).mean() < 0.01
