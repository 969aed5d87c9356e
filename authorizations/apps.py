from django.apps import AppConfig

from taxpro.session_lifetime import register_post_keeper


class AuthorizationsConfig(AppConfig):
    name = "authorizations"

    def ready(self) -> None:
        # Issue 10: a wizard step sent after the session ended keeps its answers. taxpro names
        # no app, so the wizard registers itself (by path: views load after the models).
        register_post_keeper("authorizations.web.pro.wizard.views.keep_step_after_timeout")
        register_post_keeper("authorizations.web.pro.forms_channel.wizard.keep_step_after_timeout")
