from django.http import HttpRequest, HttpResponse
from django.urls import path

from taxpro.urls import urlpatterns as portal_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


urlpatterns = [path("bench-hello", hello), *portal_urlpatterns]
