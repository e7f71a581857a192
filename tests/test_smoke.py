def test_health_answers_without_login(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_home_lists_rooms_for_a_delegate(client, make_user, login):
    login(client, make_user())
    response = client.get("/")
    assert response.status_code == 200
    assert b"Capacity building" in response.data
