"""The portal's URLs plus two bare views, the floors the page benchmark compares with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from taxpro.urls import urlpatterns as portal_urlpatterns

_EMPTY = engines["django"].from_string("{{ user.is_authenticated }}")


def hello(request: HttpRequest) -> HttpResponse:
    """Anonymous: no session, no user."""
    return HttpResponse("hello")


@login_required
def hello_signed_in(request: HttpRequest) -> HttpResponse:
    """Signed in: the session, the user and the second-factor check the middleware makes for
    every signed-in request, and an (almost) empty template."""
    return HttpResponse(_EMPTY.render({"user": request.user}, request))


urlpatterns = [
    path("bench-hello", hello),
    path("bench-hello-signed-in", hello_signed_in),
    *portal_urlpatterns,
]
