def test_owner_reaches_dashboard(alpha, login):
    client = login(alpha.owner)
    response = client.get("/office/")
    assert response.status_code == 200
    assert alpha.org.name.encode() in response.content
