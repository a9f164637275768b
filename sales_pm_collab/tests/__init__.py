from . import test_install, test_roles, test_ui_login
