from django.urls import path

from . import feeds, views

app_name = "blog"

urlpatterns = [
    path("", views.post_list, name="list"),
    path("search/", views.search, name="search"),
    path("feed/", views.public_page(feeds.LatestPostsFeed()), name="feed"),
    path("feed/atom/", views.public_page(feeds.LatestPostsAtomFeed()), name="atom"),
    path("category/<slug:slug>/", views.category_detail, name="category"),
    path("tag/<slug:slug>/", views.tag_detail, name="tag"),
    path("author/<slug:slug>/", views.author_detail, name="author"),
    path("preview/<int:pk>/", views.post_preview, name="preview"),
    path("<slug:slug>/", views.post_detail, name="post"),
]
