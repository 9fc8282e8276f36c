"""DingTalk (钉钉): approval callbacks become orders. crypto.py (the callback encryption), client.py
(the open API), forms.py (approval form → order fields), callback.py (the HTTP endpoint)."""
